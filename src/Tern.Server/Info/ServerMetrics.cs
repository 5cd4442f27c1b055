using System.Diagnostics;
using Tern.Server.Commands;
using Tern.Server.Storage;

namespace Tern.Server.Info;

/// <summary>
/// Figures the server cron samples for INFO, and the latency recorders: instantaneous rates
/// (instantaneous_ops_per_sec and the kbps figures: 16 samples, one per 100 ms tick, as Redis), peak memory, the
/// largest client buffers of the last seconds, the keyspace's avg_ttl and expired_stale_perc estimates, the time
/// spent in active expiry, per-command latency histograms and the latency monitor.
/// </summary>
public sealed class ServerMetrics
{
    private const int MetricSamples = 16;
    private const int PeakSlots = 8;

    public const int MetricCommands = 0;
    public const int MetricNetInput = 1;
    public const int MetricNetOutput = 2;
    public const int MetricNetReplInput = 3;
    public const int MetricNetReplOutput = 4;

    private sealed class Metric
    {
        public readonly long[] Samples = new long[MetricSamples];
        public int Index;
        public long LastTimeMs;
        public long LastCount;
    }

    private readonly TernServer _server;
    private readonly Metric[] _metrics = new Metric[5];
    private readonly object _lock = new();
    private long _lastMetricSampleMs;
    private readonly long[] _peakInput = new long[PeakSlots];
    private readonly long[] _peakOutput = new long[PeakSlots];
    private long _peakSecond = -1;
    private readonly long[] _avgTtl;
    private double _expiredStalePerc;
    private long _expireCycleUsec;
    private long _peakMemory;

    public ServerMetrics(TernServer server)
    {
        _server = server;
        Latency = new CommandLatency(server, server.Commands.All.Count);
        LatencyMonitor = new LatencyMonitor(server);
        _avgTtl = new long[server.Keyspace.Databases];
        long now = Clock.UnixMs();
        for (int i = 0; i < _metrics.Length; i++) _metrics[i] = new Metric { LastTimeMs = now };
        StartupMemory = MemoryFigures.UsedNow();
        _peakMemory = StartupMemory;
    }

    public CommandLatency Latency { get; }
    public LatencyMonitor LatencyMonitor { get; }

    /// <summary>Heap in use once the server was built (used_memory_startup).</summary>
    public long StartupMemory { get; }

    public long PeakMemory => Interlocked.Read(ref _peakMemory);

    public void NotePeak(long used)
    {
        long peak;
        while (used > (peak = Interlocked.Read(ref _peakMemory)))
            if (Interlocked.CompareExchange(ref _peakMemory, used, peak) == peak) break;
    }

    /// <summary>Mean of the last 16 per-second rates of a metric.</summary>
    public long Instantaneous(int metric)
    {
        lock (_lock)
        {
            long sum = 0;
            foreach (var s in _metrics[metric].Samples) sum += s;
            return sum / MetricSamples;
        }
    }

    public double ExpiredStalePerc
    {
        get { lock (_lock) return _expiredStalePerc; }
    }

    public long ExpireCycleMs => Interlocked.Read(ref _expireCycleUsec) / 1000;

    public long AvgTtl(int db)
    {
        lock (_lock) return db < _avgTtl.Length ? _avgTtl[db] : 0;
    }

    /// <summary>client_recent_max_input_buffer and client_recent_max_output_buffer.</summary>
    public (long Input, long Output) RecentMaxBuffers()
    {
        lock (_lock)
        {
            long i = 0, o = 0;
            for (int k = 0; k < PeakSlots; k++)
            {
                i = Math.Max(i, _peakInput[k]);
                o = Math.Max(o, _peakOutput[k]);
            }
            return (i, o);
        }
    }

    /// <summary>Called by the cron after an active expiry cycle that took <paramref name="elapsedTicks"/>.</summary>
    public void ExpireCycleDone(long elapsedTicks)
    {
        long usec = elapsedTicks * 1_000_000 / Stopwatch.Frequency;
        Interlocked.Add(ref _expireCycleUsec, usec);
        LatencyMonitor.AddSampleIfNeeded("expire-cycle", usec / 1000);
    }

    /// <summary>One server cron tick.</summary>
    public void Cron(long nowMs)
    {
        if (nowMs - _lastMetricSampleMs >= 100)
        {
            _lastMetricSampleMs = nowMs;
            var stats = _server.Stats;
            Track(MetricCommands, stats.TotalCommands, nowMs);
            Track(MetricNetInput, Interlocked.Read(ref stats.NetInputBytes), nowMs);
            Track(MetricNetOutput, Interlocked.Read(ref stats.NetOutputBytes), nowMs);
            // No replication traffic yet.
            Track(MetricNetReplInput, 0, nowMs);
            Track(MetricNetReplOutput, 0, nowMs);
            NotePeak(MemoryFigures.UsedNow());
        }
        TrackClientBuffers(nowMs);
        SampleExpires(nowMs);
    }

    private void Track(int metric, long reading, long nowMs)
    {
        lock (_lock)
        {
            var m = _metrics[metric];
            long t = nowMs - m.LastTimeMs;
            long ops = reading - m.LastCount;
            m.Samples[m.Index] = t > 0 ? ops * 1000 / t : 0;
            m.Index = (m.Index + 1) % MetricSamples;
            m.LastTimeMs = nowMs;
            m.LastCount = reading;
        }
    }

    private void TrackClientBuffers(long nowMs)
    {
        long second = nowMs / 1000;
        long inMax = 0, outMax = 0;
        foreach (var c in _server.Clients.Snapshot())
        {
            inMax = Math.Max(inMax, c.Client.QueryBufferLength);
            outMax = Math.Max(outMax, c.Client.OutputBufferLength);
        }
        lock (_lock)
        {
            int slot = (int)(second % PeakSlots);
            if (second != _peakSecond)
            {
                // Slots of seconds that passed without a tick are stale: clear up to the current one.
                long from = _peakSecond < 0 ? second - PeakSlots + 1 : Math.Max(_peakSecond + 1, second - PeakSlots + 1);
                for (long s = from; s <= second; s++)
                {
                    _peakInput[(int)(s % PeakSlots)] = 0;
                    _peakOutput[(int)(s % PeakSlots)] = 0;
                }
                _peakSecond = second;
            }
            _peakInput[slot] = Math.Max(_peakInput[slot], inMax);
            _peakOutput[slot] = Math.Max(_peakOutput[slot], outMax);
        }
    }

    /// <summary>
    /// Estimates each database's average TTL and the share of already-expired keys among keys with a TTL, by
    /// looking at up to 20 keys with a TTL per database per tick (random slots of random shards), with Redis's
    /// running averages: avg_ttl = avg_ttl*49/50 + sample/50, stale = 5% new + 95% old.
    /// </summary>
    private void SampleExpires(long nowMs)
    {
        var ks = _server.Keyspace;
        var shards = ks.Shards;
        long totalSampled = 0, totalStale = 0;
        for (int db = 0; db < ks.Databases; db++)
        {
            if (ks.ExpiresCount(db) == 0)
            {
                lock (_lock) _avgTtl[db] = 0;
                continue;
            }
            long ttlSum = 0;
            int ttlSamples = 0, sampled = 0, stale = 0;
            for (int probe = 0; probe < 100 && sampled < 20; probe++)
            {
                var shard = shards[Random.Shared.Next(shards.Length)];
                // Sampling TTLs reads only.
                shard.EnterRead();
                try
                {
                    var table = shard.DbIfExists(db);
                    if (table == null || table.ExpiresCount == 0 || table.SlotCount == 0) continue;
                    var o = table.At(Random.Shared.Next(table.SlotCount));
                    if (o == null) continue;
                    long exp = Entry.ExpireAt(o);
                    if (exp == 0) continue;
                    sampled++;
                    long ttl = exp - nowMs;
                    if (ttl > 0)
                    {
                        ttlSum += ttl;
                        ttlSamples++;
                    }
                    else
                    {
                        stale++;
                    }
                }
                finally
                {
                    shard.Exit();
                }
            }
            totalSampled += sampled;
            totalStale += stale;
            if (ttlSamples > 0)
            {
                long avg = ttlSum / ttlSamples;
                lock (_lock)
                {
                    if (_avgTtl[db] == 0) _avgTtl[db] = avg;
                    _avgTtl[db] = _avgTtl[db] / 50 * 49 + avg / 50;
                }
            }
        }
        double current = totalSampled > 0 ? (double)totalStale / totalSampled : 0;
        lock (_lock) _expiredStalePerc = current * 0.05 + _expiredStalePerc * 0.95;
    }

    /// <summary>CONFIG RESETSTAT: rates, stale estimate, expiry time and latency histograms.</summary>
    public void Reset()
    {
        long now = Clock.UnixMs();
        lock (_lock)
        {
            foreach (var m in _metrics)
            {
                Array.Clear(m.Samples);
                m.Index = 0;
                m.LastTimeMs = now;
                m.LastCount = 0;
            }
            _expiredStalePerc = 0;
        }
        Interlocked.Exchange(ref _expireCycleUsec, 0);
        Latency.Reset();
    }

    /// <summary>Records a finished command (dispatcher): latency histogram and latency monitor.</summary>
    public void CommandDone(CommandDef cmd, long usec) => Latency.Record(cmd, usec);
}
