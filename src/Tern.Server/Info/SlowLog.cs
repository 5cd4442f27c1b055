using Tern.Server.Commands;

namespace Tern.Server.Info;

/// <summary>SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first.</summary>
public sealed class SlowLog
{
    public sealed record Entry(long Id, long TimestampSec, long DurationUs, byte[][] Args, string ClientAddr, string ClientName);

    private readonly TernServer _server;
    private readonly LinkedList<Entry> _entries = new();
    private long _nextId;

    public SlowLog(TernServer server) => _server = server;

    /// <summary>Records the command if it was slow enough (called after every command).</summary>
    public void Consider(CommandContext ctx, long usec)
    {
        long threshold = _server.Config.SlowlogLogSlowerThan;
        if (threshold < 0 || usec < threshold) return;
        if ((ctx.Command.Flags & CommandFlags.SkipSlowlog) != 0) return;
        Add(ctx, usec);
    }

    private void Add(CommandContext ctx, long usec)
    {
        // Redis keeps at most 32 arguments, each cut at 128 bytes, with a note of what was left out.
        var args = ctx.Args;
        int n = Math.Min(args.Count, 32);
        var kept = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            if (i == 31 && args.Count > 32)
            {
                kept[i] = System.Text.Encoding.ASCII.GetBytes($"... ({args.Count - 31} more arguments)");
                break;
            }
            var a = args[i];
            kept[i] = a.Length > 128
                ? [.. a[..128], .. System.Text.Encoding.ASCII.GetBytes($"... ({a.Length - 128} more bytes)")]
                : a.ToArray();
        }
        var name = ctx.Client.Name == null ? "" : System.Text.Encoding.Latin1.GetString(ctx.Client.Name);
        lock (_entries)
        {
            _entries.AddFirst(new Entry(_nextId++, ctx.Now / 1000, usec, kept, ctx.Client.Addr, name));
            while (_entries.Count > Math.Max(0, _server.Config.SlowlogMaxLen)) _entries.RemoveLast();
        }
    }

    public List<Entry> Get(long count)
    {
        lock (_entries)
        {
            var l = new List<Entry>();
            foreach (var e in _entries)
            {
                if (count >= 0 && l.Count >= count) break;
                l.Add(e);
            }
            return l;
        }
    }

    public int Length
    {
        get { lock (_entries) return _entries.Count; }
    }

    public void Reset()
    {
        lock (_entries) _entries.Clear();
    }
}
