using System.Globalization;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Compares how many changes a command counted (INFO rdb_changes_since_last_save, Redis's server.dirty) on
/// both servers. A write is propagated exactly when it counts changes, so equal deltas mean the same
/// propagation decision.
/// </summary>
public static class DirtyDelta
{
    public static long Changes(RespClient c)
    {
        var text = c.Call("INFO", "persistence").Text!;
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith("rdb_changes_since_last_save:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan("rdb_changes_since_last_save:".Length), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException("no rdb_changes_since_last_save in INFO");
    }

    /// <summary>Runs a command on both (replies compared) and fails unless both counted the same changes.</summary>
    public static void Same(Differential d, params object[] args)
    {
        long r0 = Changes(d.RedisClient), t0 = Changes(d.TernClient);
        d.Same(args);
        long r = Changes(d.RedisClient) - r0, t = Changes(d.TernClient) - t0;
        Assert.True(r == t, $"changes differ for {string.Join(' ', args)}: redis {r}, tern {t}");
    }

    /// <summary><see cref="Same(Differential, object[])"/> for each line of a script (inline syntax).</summary>
    public static void Script(Differential d, string script)
    {
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            Same(d, Differential.SplitLine(line));
        }
    }
}
