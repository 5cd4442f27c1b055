namespace Tern.Server.Info;

/// <summary>
/// Counters for INFO stats / commandstats / errorstats. Hot counters are per thread (no shared cache line on
/// the command path) and summed when INFO asks; the rare error counters use a lock.
/// </summary>
public sealed class ServerStats
{
    /// <summary>One thread's counters.</summary>
    public sealed class ThreadCounters
    {
        public long[] Calls;
        public long[] Usec;
        public long[] Rejected;
        public long[] Failed;
        public long Commands;
        public long Dirty;

        public ThreadCounters(int commands)
        {
            Calls = new long[commands];
            Usec = new long[commands];
            Rejected = new long[commands];
            Failed = new long[commands];
        }
    }

    [ThreadStatic] private static ThreadCounters? _local;
    [ThreadStatic] private static ServerStats? _localOwner;

    private readonly List<ThreadCounters> _all = [];
    private readonly int _commandCount;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private long _errorsTotal;

    public ServerStats(int commandCount) => _commandCount = commandCount;

    public long ConnectionsReceived;
    public long RejectedConnections;
    public long NetInputBytes;
    public long NetOutputBytes;
    public long EvictedClients;
    public long ProtocolErrors;
    public long StartTimeMs = Storage.Clock.UnixMs();

    /// <summary>This thread's counters (created on first use).</summary>
    public ThreadCounters Local
    {
        get
        {
            if (_localOwner == this && _local != null) return _local;
            var c = new ThreadCounters(_commandCount);
            lock (_all) _all.Add(c);
            _local = c;
            _localOwner = this;
            return c;
        }
    }

    /// <summary>Counts an error reply under its first word, as errorstats does ("ERR", "WRONGTYPE").</summary>
    public void CountError(ReadOnlySpan<byte> text)
    {
        int sp = text.IndexOf((byte)' ');
        var prefix = sp < 0 ? text : text[..sp];
        if (prefix.Length > 64) prefix = prefix[..64];
        var name = System.Text.Encoding.Latin1.GetString(prefix);
        lock (_errors)
        {
            _errorsTotal++;
            // Redis caps distinct error codes at 128; further ones are counted in total only.
            if (_errors.TryGetValue(name, out long n)) _errors[name] = n + 1;
            else if (_errors.Count < 128) _errors[name] = 1;
        }
    }

    public long TotalErrorReplies
    {
        get { lock (_errors) return _errorsTotal; }
    }

    public List<KeyValuePair<string, long>> ErrorCounts()
    {
        lock (_errors)
        {
            var l = new List<KeyValuePair<string, long>>(_errors);
            l.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return l;
        }
    }

    /// <summary>Sums one per-command counter over all threads.</summary>
    public (long calls, long usec, long rejected, long failed) Command(int id)
    {
        long c = 0, u = 0, r = 0, f = 0;
        lock (_all)
        {
            foreach (var t in _all)
            {
                c += t.Calls[id];
                u += t.Usec[id];
                r += t.Rejected[id];
                f += t.Failed[id];
            }
        }
        return (c, u, r, f);
    }

    public long TotalCommands
    {
        get
        {
            long n = 0;
            lock (_all) foreach (var t in _all) n += t.Commands;
            return n;
        }
    }

    public long Dirty
    {
        get
        {
            long n = 0;
            lock (_all) foreach (var t in _all) n += t.Dirty;
            return n;
        }
    }

    /// <summary>CONFIG RESETSTAT.</summary>
    public void Reset()
    {
        lock (_all)
        {
            foreach (var t in _all)
            {
                Array.Clear(t.Calls);
                Array.Clear(t.Usec);
                Array.Clear(t.Rejected);
                Array.Clear(t.Failed);
                t.Commands = 0;
            }
        }
        lock (_errors)
        {
            _errors.Clear();
            _errorsTotal = 0;
        }
        ConnectionsReceived = 0;
        RejectedConnections = 0;
        NetInputBytes = 0;
        NetOutputBytes = 0;
        ProtocolErrors = 0;
    }
}
