using System.Diagnostics;
using System.Globalization;
using Tern.Protocol;
using Tern.Server.Storage;

namespace Tern.Server.Persistence;

/// <summary>
/// Loads dir/dbfilename when the server starts (Redis's loadDataFromDisk). The listener already runs, so clients
/// get -LOADING and INFO shows the loading_* progress meanwhile.
/// <para>
/// A file that cannot be loaded (corrupt, truncated, a newer RDB version, a module value) stops the server, as
/// Redis does (it logs "Fatal error loading the DB" and exits 1): serving an empty dataset and later overwriting
/// the file at the next save would destroy the data. The log names the offset, database, key and type.
/// Move the file away (or fix it) to start empty.
/// </para>
/// </summary>
public static class StartupLoader
{
    public static void LoadAtStart(TernServer server)
    {
        string path = server.Saves.RdbPath;
        if (!File.Exists(path)) return;
        var log = server.Log;
        long started = Stopwatch.GetTimestamp();
        RdbLoadOutcome outcome;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            outcome = RdbLoading.LoadReplacing(server, fs, asReplica: false, fs.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fatal(server, $"Fatal error loading the DB: {e.Message}. Exiting.");
            return;
        }
        if (!outcome.Result.Ok)
        {
            Fatal(server, $"Fatal error loading the DB {path}: {RdbLoading.Describe(outcome.Result)}. Exiting.");
            return;
        }
        if (outcome.Aux.TryGetValue("redis-ver", out var ver))
            log.Notice($"Loading RDB produced by version {System.Text.Encoding.UTF8.GetString(ver)}");
        if (outcome.Aux.TryGetValue("ctime", out var ctime) && RespNumber.TryParseInt64(ctime, out long ct))
            log.Notice($"RDB age {Math.Max(0, Clock.UnixMs() / 1000 - ct)} seconds");
        if (outcome.Aux.TryGetValue("used-mem", out var mem) && RespNumber.TryParseInt64(mem, out long m))
            log.Notice($"RDB memory usage when created {(m / 1024.0 / 1024.0).ToString("F2", CultureInfo.InvariantCulture)} Mb");
        double secs = Stopwatch.GetElapsedTime(started).TotalSeconds;
        log.Notice($"DB loaded from disk: {secs.ToString("F3", CultureInfo.InvariantCulture)} seconds");
        // As after Redis's load: nothing changed since the file was written.
        server.Saves.MarkClean();
    }

    private static void Fatal(TernServer server, string message)
    {
        server.Log.Warning(message);
        server.Dispose();
        throw new InvalidOperationException(message);
    }
}
