using System.Diagnostics;
using System.Runtime.InteropServices;
using Tern.Server.Storage;

namespace Tern.Server.Persistence;

/// <summary>
/// SAVE, BGSAVE, the save points of the "save" setting, and the state INFO persistence reports: Redis's
/// rdbSave/rdbSaveBackground and serverCron's save logic, with the forkless <see cref="Snapshotter"/> in place of
/// a child process. Files are written as "temp-&lt;pid&gt;.rdb" in dir, fsynced, renamed over dbfilename, and the
/// directory fsynced, so a crash mid-save never damages the last good snapshot.
/// </summary>
public sealed class SaveCoordinator(TernServer server)
{
    /// <summary>CONFIG_BGSAVE_RETRY_DELAY: after a failed background save, save points wait this long.</summary>
    private const long RetryDelaySeconds = 5;

    private readonly Lock _lock = new();
    private Thread? _bgThread;
    private volatile bool _cancel;

    /// <summary>Unix seconds of the last successful save (start time until the first).</summary>
    public long LastSaveUnix { get; private set; } = server.StartedMs / 1000;

    public bool LastBgsaveOk { get; private set; } = true;

    /// <summary>Seconds the last background save took, -1 before the first.</summary>
    public long LastBgsaveTimeSec { get; private set; } = -1;

    /// <summary>Unix seconds the running background save began (valid while <see cref="BgsaveInProgress"/>).</summary>
    public long BgsaveStartUnix { get; private set; }

    /// <summary>A background save runs, or any other snapshot (a replica's full sync), as Redis's RDB child.</summary>
    public bool BgsaveInProgress => _bgThread != null || server.Persistence.RunningSnapshot != null;

    /// <summary>SAVE and BGSAVE runs (rdb_saves).</summary>
    public long Saves { get; private set; }

    /// <summary>Peak extra memory of the last snapshot (rdb_last_cow_size).</summary>
    public long LastExtraBytes { get; private set; }

    /// <summary>Keys written by the running snapshot (current_save_keys_processed) and the total at its cut.</summary>
    public long CurrentKeysTotal { get; private set; }

    public bool BgsaveScheduled { get; private set; }

    private long _lastBgsaveTry;
    private long _dirtyAtLastSave;

    /// <summary>The replication hook: the offset at a snapshot's cut, and the replication id (wired by the lead).</summary>
    public Func<long>? OffsetAtCut { get; set; }

    public Func<string>? ReplId { get; set; }

    /// <summary>Writes since the last successful save (rdb_changes_since_last_save).</summary>
    public long ChangesSinceLastSave => Math.Max(0, server.Stats.Dirty - Interlocked.Read(ref _dirtyAtLastSave));

    /// <summary>The RDB file of "dir" and "dbfilename".</summary>
    public string RdbPath => Path.Combine(server.Config.Dir, server.Config.DbFilename);

    private SnapshotOptions Options() => new()
    {
        Compress = server.Config.RdbCompression,
        Checksum = server.Config.RdbChecksum,
        OffsetAtCut = OffsetAtCut,
        ReplId = ReplId?.Invoke(),
    };

    /// <summary>
    /// SAVE: a snapshot written on the calling thread (other clients keep being served). Null on success, else
    /// the reason (already logged). Fails when a background save runs.
    /// </summary>
    public string? Save()
    {
        Saves++;
        var snap = Snapshotter.Begin(server, Options());
        if (snap == null) return "Background save already in progress";
        long dirty = server.Stats.Dirty;
        var error = WriteFile(snap, out var result);
        if (error != null)
        {
            server.Log.Warning($"Error saving DB on disk: {error}");
            return error;
        }
        server.Log.Notice("DB saved on disk");
        Interlocked.Exchange(ref _dirtyAtLastSave, dirty);
        LastSaveUnix = Clock.UnixMs() / 1000;
        LastBgsaveOk = true;
        LastExtraBytes = result!.PeakExtraBytes;
        return null;
    }

    /// <summary>
    /// BGSAVE: takes the cut now and writes the file on a background thread. False when a snapshot already runs
    /// (the caller answers "Background save already in progress").
    /// </summary>
    public bool StartBackground()
    {
        lock (_lock)
        {
            if (_bgThread != null) return false;
            _lastBgsaveTry = Clock.UnixMs() / 1000;
            var snap = Snapshotter.Begin(server, Options());
            if (snap == null) return false;
            Saves++;
            long dirty = server.Stats.Dirty;
            BgsaveStartUnix = Clock.UnixMs() / 1000;
            CurrentKeysTotal = TotalKeys();
            BgsaveScheduled = false;
            _cancel = false;
            var t = new Thread(() => RunBackground(snap, dirty)) { IsBackground = true, Name = "tern-bgsave" };
            _bgThread = t;
            server.Log.Notice("Background saving started");
            t.Start();
            return true;
        }
    }

    private void RunBackground(Snapshotter snap, long dirtyAtCut)
    {
        long started = Stopwatch.GetTimestamp();
        var error = WriteFile(snap, out var result);
        lock (_lock)
        {
            LastBgsaveTimeSec = (long)Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (result != null) LastExtraBytes = result.PeakExtraBytes;
            if (error == null)
            {
                server.Log.Notice("Background saving terminated with success");
                Interlocked.Exchange(ref _dirtyAtLastSave, dirtyAtCut);
                LastSaveUnix = Clock.UnixMs() / 1000;
                LastBgsaveOk = true;
            }
            else
            {
                server.Log.Warning($"Background saving error: {error}");
                LastBgsaveOk = false;
            }
            _bgThread = null;
        }
    }

    /// <summary>Nothing changed since the last save or load (a load or DEBUG RELOAD just finished).</summary>
    public void MarkClean() => Interlocked.Exchange(ref _dirtyAtLastSave, server.Stats.Dirty);

    /// <summary>BGSAVE SCHEDULE, or BGSAVE inside MULTI: the cron starts it as soon as possible.</summary>
    public void Schedule() => BgsaveScheduled = true;

    /// <summary>
    /// Waits for a running background save to end; with <paramref name="cancel"/> it stops writing first (its temp
    /// file is removed), as Redis kills its child at shutdown.
    /// </summary>
    public void WaitForBackground(bool cancel)
    {
        Thread? t;
        lock (_lock) t = _bgThread;
        if (t == null) return;
        if (cancel) _cancel = true;
        t.Join();
    }

    /// <summary>serverCron's part: save points, and a scheduled BGSAVE.</summary>
    public void Cron()
    {
        if (BgsaveInProgress || server.Loading) return;
        long now = Clock.UnixMs() / 1000;
        bool mayRetry = now - _lastBgsaveTry > RetryDelaySeconds || LastBgsaveOk;
        if (BgsaveScheduled && mayRetry)
        {
            StartBackground();
            return;
        }
        long changes = ChangesSinceLastSave;
        foreach (var (seconds, need) in server.Config.SaveParams)
        {
            if (changes >= need && now - LastSaveUnix > seconds && mayRetry)
            {
                server.Log.Notice($"{need} changes in {seconds} seconds. Saving...");
                StartBackground();
                break;
            }
        }
    }

    /// <summary>current_save_keys_processed while a save runs.</summary>
    public long CurrentKeysProcessed => server.Persistence.RunningSnapshot?.KeysWritten ?? 0;

    private long TotalKeys()
    {
        long n = 0;
        for (int db = 0; db < server.Keyspace.Databases; db++) n += server.Keyspace.DbSize(db);
        return n;
    }

    /// <summary>Writes the snapshot to temp-&lt;pid&gt;.rdb, fsyncs, renames it over the RDB file, fsyncs the directory.</summary>
    private string? WriteFile(Snapshotter snap, out SnapshotResult? result)
    {
        result = null;
        string dir = server.Config.Dir;
        string tmp = Path.Combine(dir, $"temp-{Environment.ProcessId}.rdb");
        string final = RdbPath;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var target = new CancellableStream(fs, () => _cancel);
                result = snap.WriteTo(target);
                if (!result.Ok)
                {
                    fs.Close();
                    TryDelete(tmp);
                    return $"Failed writing the RDB file {tmp}: {result.Error}";
                }
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, final, overwrite: true);
            FsyncDirectory(dir);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The snapshot may not have started writing (the file could not be created): end it.
            if (result == null) snap.Cancel();
            TryDelete(tmp);
            return $"Failed opening the temp RDB file {tmp} (in server root dir {dir}) for saving: {e.Message}";
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>fsync of the directory so the rename itself is durable (Redis's fsyncFileDir).</summary>
    private static void FsyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = NativeMethods.open(dir, 0);
        if (fd < 0) return;
        NativeMethods.fsync(fd);
        NativeMethods.close(fd);
    }

    private static partial class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable CA2101, SYSLIB1054 // plain ASCII paths; a tiny P/Invoke on a rare path
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
#pragma warning restore CA2101, SYSLIB1054

        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054
    }

    /// <summary>Fails the next write once the save is cancelled (shutdown).</summary>
    private sealed class CancellableStream(Stream inner, Func<bool> cancelled) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (cancelled()) throw new IOException("save cancelled by shutdown");
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
