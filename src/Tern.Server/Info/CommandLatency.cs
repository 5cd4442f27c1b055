using Tern.Server.Commands;

namespace Tern.Server.Info;

/// <summary>
/// Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM) and the latency monitor's
/// "command"/"fast-command" events. Recording happens on the command path with no lock and no shared write:
/// each thread has its own counters per command (allocated the first time that thread runs that command), and
/// readers add them up, as <see cref="ServerStats"/> does for calls.
/// </summary>
public sealed class CommandLatency
{
    private sealed class ThreadHistograms(int commands)
    {
        public readonly long[]?[] Counts = new long[]?[commands];
    }

    [ThreadStatic] private static ThreadHistograms? _local;
    [ThreadStatic] private static CommandLatency? _localOwner;

    private readonly TernServer _server;
    private readonly int _commandCount;
    private readonly List<ThreadHistograms> _threads = [];

    public CommandLatency(TernServer server, int commandCount)
    {
        _server = server;
        _commandCount = commandCount;
    }

    private ThreadHistograms Local
    {
        get
        {
            if (_localOwner == this && _local != null) return _local;
            var t = new ThreadHistograms(_commandCount);
            lock (_threads) _threads.Add(t);
            _local = t;
            _localOwner = this;
            return t;
        }
    }

    /// <summary>
    /// Called once per executed command with its duration: updates its histogram (when latency-tracking is on)
    /// and feeds the latency monitor (when latency-monitor-threshold is set and the command took that long).
    /// </summary>
    public void Record(CommandDef cmd, long usec)
    {
        var config = _server.Config;
        if (config.LatencyTracking)
        {
            // Redis records microseconds times 1000 in a histogram of nanoseconds from 1 ns to 1 s.
            long ns = usec * 1000;
            if (ns < HdrHistogram.LowestValue) ns = HdrHistogram.LowestValue;
            else if (ns > HdrHistogram.HighestValue) ns = HdrHistogram.HighestValue;
            var all = Local.Counts;
            var counts = all[cmd.Id] ??= new long[HdrHistogram.CountsLength];
            counts[HdrHistogram.IndexOf(ns)]++;
        }
        long threshold = config.LatencyMonitorThreshold;
        if (threshold != 0 && usec / 1000 >= threshold)
            _server.Metrics.LatencyMonitor.AddSample((cmd.Flags & CommandFlags.Fast) != 0 ? "fast-command" : "command", usec / 1000);
    }

    /// <summary>The command's histogram summed over threads; null when it never ran since the last reset.</summary>
    public HdrHistogram? Histogram(int commandId)
    {
        HdrHistogram? h = null;
        lock (_threads)
        {
            foreach (var t in _threads)
            {
                var c = t.Counts[commandId];
                if (c == null) continue;
                h ??= new HdrHistogram();
                h.Add(c);
            }
        }
        return h is { TotalCount: > 0 } ? h : null;
    }

    /// <summary>CONFIG RESETSTAT: forgets every histogram.</summary>
    public void Reset()
    {
        lock (_threads)
        {
            foreach (var t in _threads) Array.Clear(t.Counts);
        }
    }
}
