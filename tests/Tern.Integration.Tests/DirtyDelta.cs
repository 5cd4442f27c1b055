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
    public static long Changes(RespClient c) => InfoField(c, "persistence", "rdb_changes_since_last_save");

    /// <summary>An integer field of an INFO section.</summary>
    public static long InfoField(RespClient c, string section, string field)
    {
        var text = c.Call("INFO", section).Text!;
        foreach (var line in text.Split("\r\n"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no {field} in INFO {section}");
    }

    /// <summary>
    /// Runs each line of a script on both servers and fails unless the keyspace hits and misses each line
    /// counted are the same (which lookups a command does: read lookups count, write lookups do not).
    /// </summary>
    public static void SameLookups(Differential d, string script)
    {
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            long rh = InfoField(d.RedisClient, "stats", "keyspace_hits"), rm = InfoField(d.RedisClient, "stats", "keyspace_misses");
            long th = InfoField(d.TernClient, "stats", "keyspace_hits"), tm = InfoField(d.TernClient, "stats", "keyspace_misses");
            d.Same(Differential.SplitLine(line));
            long drh = InfoField(d.RedisClient, "stats", "keyspace_hits") - rh, drm = InfoField(d.RedisClient, "stats", "keyspace_misses") - rm;
            long dth = InfoField(d.TernClient, "stats", "keyspace_hits") - th, dtm = InfoField(d.TernClient, "stats", "keyspace_misses") - tm;
            Assert.True(drh == dth && drm == dtm, $"lookups differ for {line}: redis {drh} hits {drm} misses, tern {dth} hits {dtm} misses");
        }
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
