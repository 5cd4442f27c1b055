using System.Globalization;
using System.Runtime;

namespace Tern.Server.Info;

/// <summary>
/// Memory figures for INFO memory and MEMORY STATS/DOCTOR, mapped truthfully onto .NET's garbage-collected heap:
/// used_memory is what the GC counts as allocated (GC.GetTotalMemory), the "allocator" figures come from the
/// GC's last collection (allocated = heap minus fragmentation, active = heap size, resident = committed bytes),
/// RSS from /proc. Overhead is the start-up heap, client buffers and the key tables' own arrays; the dataset is
/// the rest. Tern keeps a key's expiry inside its object, so there is no separate expires table.
/// </summary>
public sealed class MemoryFigures
{
    public long Used;
    public long Peak;
    public long Startup;
    public long Rss;
    public long AllocatorAllocated;
    public long AllocatorActive;
    public long AllocatorResident;
    public long TotalSystem;
    public long ClientsNormal;
    public long Overhead;
    public long Dataset;
    public long TotalKeys;
    public long BytesPerKey;
    public double DatasetPerc;
    public double PeakPerc;
    public List<(int Db, long Main, long Expires)> Dbs = [];

    public double AllocatorFrag => AllocatorAllocated == 0 ? 0 : (double)AllocatorActive / AllocatorAllocated;
    public long AllocatorFragBytes => AllocatorActive - AllocatorAllocated;
    public double AllocatorRss => AllocatorActive == 0 ? 0 : (double)AllocatorResident / AllocatorActive;
    public long AllocatorRssBytes => AllocatorResident - AllocatorActive;
    public double RssOverhead => AllocatorResident == 0 ? 0 : (double)Rss / AllocatorResident;
    public long RssOverheadBytes => Rss - AllocatorResident;
    public double Fragmentation => Used == 0 ? 0 : (double)Rss / Used;
    public long FragmentationBytes => Rss - Used;

    /// <summary>What Tern calls its allocator (INFO mem_allocator).</summary>
    public static string AllocatorName =>
        "dotnet-" + Environment.Version.ToString(3) + "-gc-" + (GCSettings.IsServerGC ? "server" : "workstation");

    /// <summary>Bytes the GC counts as allocated right now (may include garbage not yet collected).</summary>
    public static long UsedNow() => GC.GetTotalMemory(false);

    public static MemoryFigures Collect(TernServer server)
    {
        var m = new MemoryFigures();
        var metrics = server.Metrics;
        m.Used = UsedNow();
        metrics.NotePeak(m.Used);
        m.Peak = metrics.PeakMemory;
        m.Startup = metrics.StartupMemory;
        m.Rss = RssBytes();
        var gc = GC.GetGCMemoryInfo();
        if (gc.Index > 0)
        {
            m.AllocatorActive = gc.HeapSizeBytes;
            m.AllocatorAllocated = Math.Max(0, gc.HeapSizeBytes - gc.FragmentedBytes);
            m.AllocatorResident = gc.TotalCommittedBytes;
        }
        else
        {
            // Before the first collection the GC has no heap figures: everything allocated is in use.
            m.AllocatorActive = m.AllocatorAllocated = m.AllocatorResident = m.Used;
        }
        m.TotalSystem = TotalSystemMemory();
        foreach (var c in server.Clients.Snapshot())
            m.ClientsNormal += c.Client.QueryBufferCapacity + c.Client.OutputBufferLength;
        long overhead = m.Startup + m.ClientsNormal;
        var ks = server.Keyspace;
        for (int db = 0; db < ks.Databases; db++)
        {
            long keys = 0, table = 0;
            foreach (var shard in ks.Shards)
            {
                var t = shard.DbIfExists(db);
                if (t == null) continue;
                keys += t.Count;
                table += t.OverheadBytes;
            }
            if (keys == 0) continue;
            m.TotalKeys += keys;
            m.Dbs.Add((db, table, 0));
            overhead += table;
        }
        m.Overhead = overhead;
        m.Dataset = m.Used - overhead;
        m.PeakPerc = m.Peak == 0 ? 0 : m.Used * 100.0 / m.Peak;
        long net = m.Used > m.Startup ? m.Used - m.Startup : 1;
        m.DatasetPerc = m.Dataset * 100.0 / net;
        m.BytesPerKey = m.TotalKeys > 0 ? net / m.TotalKeys : 0;
        return m;
    }

    /// <summary>Resident set size of the process (/proc/self/statm on Linux).</summary>
    public static long RssBytes()
    {
        try
        {
            if (File.Exists("/proc/self/statm"))
            {
                var parts = File.ReadAllText("/proc/self/statm").Split(' ');
                if (parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pages))
                    return pages * Environment.SystemPageSize;
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet;
    }

    /// <summary>Physical memory of the machine (/proc/meminfo MemTotal), as Redis's total_system_memory.</summary>
    public static long TotalSystemMemory()
    {
        long kb = ReadKbField("/proc/meminfo", "MemTotal:");
        return kb >= 0 ? kb * 1024 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Anonymous huge pages of the process in bytes (LATENCY DOCTOR's THP check); 0 when unknown.</summary>
    public static long AnonHugePagesBytes()
    {
        long kb = ReadKbField("/proc/self/smaps_rollup", "AnonHugePages:");
        return kb > 0 ? kb * 1024 : 0;
    }

    private static long ReadKbField(string path, string field)
    {
        try
        {
            if (!File.Exists(path)) return -1;
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
                var rest = line[field.Length..].Trim();
                int sp = rest.IndexOf(' ');
                if (sp > 0) rest = rest[..sp];
                return long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb : -1;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return -1;
    }

    /// <summary>Bytes in Redis's human form: 1023B, 1.00K, 894.91K, 11.60M, 23.54G ...</summary>
    public static string Human(long n)
    {
        ulong u = (ulong)n;
        var inv = CultureInfo.InvariantCulture;
        if (u < 1024) return u.ToString(inv) + "B";
        if (u < 1024UL * 1024) return (u / 1024.0).ToString("F2", inv) + "K";
        if (u < 1024UL * 1024 * 1024) return (u / (1024.0 * 1024)).ToString("F2", inv) + "M";
        if (u < 1024UL * 1024 * 1024 * 1024) return (u / (1024.0 * 1024 * 1024)).ToString("F2", inv) + "G";
        if (u < 1024UL * 1024 * 1024 * 1024 * 1024) return (u / (1024.0 * 1024 * 1024 * 1024)).ToString("F2", inv) + "T";
        if (u < 1024UL * 1024 * 1024 * 1024 * 1024 * 1024) return (u / (1024.0 * 1024 * 1024 * 1024 * 1024)).ToString("F2", inv) + "P";
        // Redis's bytesToHuman prints the plain number beyond petabytes.
        return u.ToString(inv) + "B";
    }
}
