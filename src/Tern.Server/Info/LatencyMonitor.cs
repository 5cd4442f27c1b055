using System.Globalization;
using System.Text;

namespace Tern.Server.Info;

/// <summary>
/// Redis's latency monitor: for each event class ("command", "fast-command", "expire-cycle") the last 160
/// seconds that had a latency at or above latency-monitor-threshold (one sample per second, the worst one), and
/// the all-time maximum. Samples are rare (only slow events), so a lock is fine. LATENCY LATEST / HISTORY /
/// RESET / GRAPH / DOCTOR read it.
/// </summary>
public sealed class LatencyMonitor
{
    public const int HistoryLength = 160;

    public sealed class Series
    {
        public readonly int[] Times = new int[HistoryLength];
        public readonly uint[] Latencies = new uint[HistoryLength];
        public int Next;
        public uint Max;
    }

    private readonly TernServer _server;
    // Event classes in the order they first happened.
    private readonly List<(string Name, Series Series)> _events = [];

    public LatencyMonitor(TernServer server) => _server = server;

    private static int Now() => (int)(Storage.Clock.UnixMs() / 1000);

    /// <summary>Adds a sample of <paramref name="ms"/> milliseconds for an event (the threshold was checked).</summary>
    public void AddSample(string ev, long ms) => AddSampleAt(ev, Now(), ms);

    /// <summary>Adds a sample as if it happened at unix second <paramref name="now"/> (tests replay Redis's samples).</summary>
    internal void AddSampleAt(string ev, int now, long ms)
    {
        uint latency = (uint)Math.Min(ms, uint.MaxValue);
        lock (_events)
        {
            var ts = Find(ev);
            if (ts == null)
            {
                ts = new Series();
                _events.Add((ev, ts));
            }
            if (latency > ts.Max) ts.Max = latency;
            // One sample per second: a second sample in the same second only raises it.
            int prev = (ts.Next + HistoryLength - 1) % HistoryLength;
            if (ts.Times[prev] == now)
            {
                if (latency > ts.Latencies[prev]) ts.Latencies[prev] = latency;
                return;
            }
            ts.Times[ts.Next] = now;
            ts.Latencies[ts.Next] = latency;
            ts.Next = (ts.Next + 1) % HistoryLength;
        }
    }

    /// <summary>Records an event when it took at least latency-monitor-threshold milliseconds.</summary>
    public void AddSampleIfNeeded(string ev, long ms)
    {
        long threshold = _server.Config.LatencyMonitorThreshold;
        if (threshold != 0 && ms >= threshold) AddSample(ev, ms);
    }

    private Series? Find(string ev)
    {
        foreach (var (n, s) in _events)
            if (n == ev) return s;
        return null;
    }

    /// <summary>LATENCY LATEST: (event, time of last sample, its latency, all-time max) per event.</summary>
    public List<(string Event, int Time, uint Latency, uint Max)> Latest()
    {
        var l = new List<(string, int, uint, uint)>();
        lock (_events)
        {
            foreach (var (n, s) in _events)
            {
                int last = (s.Next + HistoryLength - 1) % HistoryLength;
                l.Add((n, s.Times[last], s.Latencies[last], s.Max));
            }
        }
        return l;
    }

    /// <summary>LATENCY HISTORY: the samples of an event, oldest first; null when the event never happened.</summary>
    public List<(int Time, uint Latency)>? History(string ev)
    {
        lock (_events)
        {
            var s = Find(ev);
            if (s == null) return null;
            var l = new List<(int, uint)>();
            for (int j = 0; j < HistoryLength; j++)
            {
                int i = (s.Next + j) % HistoryLength;
                if (s.Times[i] == 0) continue;
                l.Add((s.Times[i], s.Latencies[i]));
            }
            return l;
        }
    }

    /// <summary>LATENCY RESET: forgets one event (any case) or all (null); returns how many were forgotten.</summary>
    public int Reset(string? ev)
    {
        lock (_events)
        {
            if (ev == null)
            {
                int n = _events.Count;
                _events.Clear();
                return n;
            }
            return _events.RemoveAll(e => string.Equals(e.Name, ev, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>LATENCY GRAPH: an ASCII sparkline of the event's samples; null when the event never happened.</summary>
    public string? Graph(string ev)
    {
        var history = History(ev);
        if (history == null) return null;
        uint max;
        lock (_events) max = Find(ev)?.Max ?? 0;
        return RenderGraph(ev, history, max, Now());
    }

    /// <summary>The graph of samples (oldest first) as Redis draws it at unix second <paramref name="now"/>.</summary>
    internal static string RenderGraph(string ev, List<(int Time, uint Latency)> history, uint max, int now)
    {
        uint lo = 0, hi = 0;
        var values = new List<double>();
        var labels = new List<string?>();
        for (int k = 0; k < history.Count; k++)
        {
            var (time, latency) = history[k];
            if (k == 0) lo = hi = latency;
            else
            {
                if (latency > hi) hi = latency;
                if (latency < lo) lo = latency;
            }
            // The label says how long ago the sample was taken.
            int elapsed = now - time;
            string label = elapsed < 60 ? $"{elapsed}s"
                : elapsed < 3600 ? $"{elapsed / 60}m"
                : elapsed < 3600 * 24 ? $"{elapsed / 3600}h"
                : $"{elapsed / (3600 * 24)}d";
            values.Add(latency);
            labels.Add(label);
        }
        var sb = new StringBuilder();
        sb.Append(ev).Append(" - high ").Append(hi).Append(" ms, low ").Append(lo).Append(" ms (all time high ").Append(max).Append(" ms)\n");
        sb.Append('-', 80).Append('\n');
        Sparkline.Render(sb, values, labels, 80, 4);
        return sb.ToString();
    }

    /// <summary>
    /// LATENCY DOCTOR: Redis's report and advice for the events Tern records (command, fast-command,
    /// expire-cycle) and transparent huge pages.
    /// </summary>
    public string Doctor() => Doctor(Now());

    /// <summary>LATENCY DOCTOR as written at unix second <paramref name="now"/>.</summary>
    internal string Doctor(int now)
    {
        var config = _server.Config;
        var sb = new StringBuilder();
        List<(string Name, Series S)> events;
        lock (_events) events = [.. _events];
        if (events.Count == 0 && config.LatencyMonitorThreshold == 0)
        {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
        }
        bool slowlogEnabled = false, slowlogTuning = false, slowlogInspect = false, scheduler = false, hz = false, largeObjects = false, thp = false;
        int advices = 0, eventnum = 0;
        foreach (var (name, s) in events)
        {
            eventnum++;
            if (eventnum == 1) sb.Append("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
            uint samples = 0, avg = 0, mad = 0;
            ulong sum = 0;
            long period = 0;
            lock (_events)
            {
                uint min = 0, mx = 0;
                for (int j = 0; j < HistoryLength; j++)
                {
                    if (s.Times[j] == 0) continue;
                    samples++;
                    if (samples == 1) min = mx = s.Latencies[j];
                    else
                    {
                        if (min > s.Latencies[j]) min = s.Latencies[j];
                        if (mx < s.Latencies[j]) mx = s.Latencies[j];
                    }
                    sum += s.Latencies[j];
                    if (period == 0 || s.Times[j] < period) period = s.Times[j];
                }
                if (samples > 0)
                {
                    avg = (uint)(sum / samples);
                    period = now - period;
                    if (period == 0) period = 1;
                }
                sum = 0;
                for (int j = 0; j < HistoryLength; j++)
                {
                    if (s.Times[j] == 0) continue;
                    long delta = (long)avg - s.Latencies[j];
                    sum += (ulong)Math.Abs(delta);
                }
                if (samples > 0) mad = (uint)(sum / samples);
            }
            sb.Append(CultureInfo.InvariantCulture,
                $"{eventnum}. {name}: {samples} latency spikes (average {avg}ms, mean deviation {mad}ms, period {((double)period / samples).ToString("F2", CultureInfo.InvariantCulture)} sec). Worst all time event {s.Max}ms.");
            if (name.Equals("command", StringComparison.OrdinalIgnoreCase))
            {
                if (config.SlowlogLogSlowerThan < 0)
                {
                    slowlogEnabled = true;
                    advices++;
                }
                else if (config.SlowlogLogSlowerThan / 1000 > config.LatencyMonitorThreshold)
                {
                    slowlogTuning = true;
                    advices++;
                }
                slowlogInspect = true;
                largeObjects = true;
                advices += 2;
            }
            if (name.Equals("fast-command", StringComparison.OrdinalIgnoreCase))
            {
                scheduler = true;
                advices++;
            }
            if (name.Equals("expire-cycle", StringComparison.OrdinalIgnoreCase))
            {
                hz = true;
                largeObjects = true;
                advices += 2;
            }
            sb.Append('\n');
        }
        if (MemoryFigures.AnonHugePagesBytes() > 0)
        {
            thp = true;
            advices++;
        }
        if (eventnum == 0 && advices == 0)
        {
            sb.Append("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        }
        else if (eventnum > 0 && advices == 0)
        {
            sb.Append("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        }
        else
        {
            ulong suggested = (ulong)config.LatencyMonitorThreshold * 1000;
            sb.Append("\nI have a few advices for you:\n\n");
            if (slowlogEnabled)
                sb.Append(CultureInfo.InvariantCulture, $"- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {suggested}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n");
            if (slowlogTuning)
                sb.Append(CultureInfo.InvariantCulture, $"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {suggested}'.\n");
            if (slowlogInspect)
                sb.Append("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
            if (scheduler)
            {
                sb.Append("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                    + "  1) Lower the system load.\n"
                    + "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                    + "  3) Check if you have a \"noisy neighbour\" problem.\n"
                    + "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
                    + "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
            }
            if (hz && config.Hz < 100)
                sb.Append("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
            if (largeObjects)
                sb.Append("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
            if (thp)
                sb.Append("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n");
        }
        return sb.ToString();
    }
}

/// <summary>Redis's ASCII sparklines (sparkline.c) with the filled charset, as LATENCY GRAPH draws them.</summary>
public static class Sparkline
{
    private const string FillChars = "_o#";
    private const int LabelMarginTop = 1;

    public static void Render(StringBuilder output, List<double> values, List<string?> labels, int columns, int rows)
    {
        if (values.Count == 0) return;
        double min = values[0], max = values[0];
        bool anyLabel = false;
        for (int i = 0; i < values.Count; i++)
        {
            // Redis's quirk kept: a new minimum is not also checked as a new maximum.
            if (i > 0)
            {
                if (values[i] < min) min = values[i];
                else if (values[i] > max) max = values[i];
            }
            if (!string.IsNullOrEmpty(labels[i])) anyLabel = true;
        }
        for (int j = 0; j < values.Count; j += columns)
        {
            int len = Math.Min(values.Count - j, columns);
            if (j != 0) output.Append('\n');
            RenderRange(output, values, labels, min, max, anyLabel, rows, j, len);
        }
    }

    private static void RenderRange(StringBuilder output, List<double> values, List<string?> labels, double min, double max,
        bool anyLabel, int rows, int offset, int len)
    {
        double relmax = max - min;
        if (relmax == 0) relmax = 1;
        int steps = FillChars.Length * rows;
        var chars = new char[len];
        int row = 0;
        bool loop = true;
        while (loop)
        {
            loop = false;
            Array.Fill(chars, ' ');
            for (int j = 0; j < len; j++)
            {
                double relval = values[j + offset] - min;
                int step = (int)((int)(relval * steps) / relmax);
                if (step < 0) step = 0;
                if (step >= steps) step = steps - 1;
                if (row < rows)
                {
                    int charidx = step - ((rows - row - 1) * FillChars.Length);
                    loop = true;
                    if (charidx >= 0 && charidx < FillChars.Length) chars[j] = FillChars[charidx];
                    else if (charidx >= FillChars.Length) chars[j] = '|';
                }
                else
                {
                    if (anyLabel && row - rows < LabelMarginTop)
                    {
                        loop = true;
                        break;
                    }
                    var label = labels[j + offset];
                    if (!string.IsNullOrEmpty(label))
                    {
                        int labelChar = row - rows - LabelMarginTop;
                        if (label.Length > labelChar)
                        {
                            loop = true;
                            chars[j] = label[labelChar];
                        }
                    }
                }
            }
            if (loop)
            {
                row++;
                output.Append(chars).Append('\n');
            }
        }
    }
}
