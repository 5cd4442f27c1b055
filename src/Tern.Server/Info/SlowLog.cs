using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;

namespace Tern.Server.Info;

/// <summary>
/// SLOWLOG: commands that took at least slowlog-log-slower-than microseconds, newest first, at most
/// slowlog-max-len of them. Entries keep at most 32 arguments, each cut at 128 bytes, and secrets (AUTH and HELLO
/// passwords, sensitive CONFIG SET values, MIGRATE and ACL SETUSER credentials) show as "(redacted)", as Redis.
/// </summary>
public sealed class SlowLog
{
    public sealed record Entry(long Id, long TimestampSec, long DurationUs, byte[][] Args, string ClientAddr, byte[] ClientName);

    private const int MaxArgs = 32;
    private const int MaxArgLength = 128;
    private static readonly byte[] Redacted = "(redacted)"u8.ToArray();

    private readonly TernServer _server;
    private readonly LinkedList<Entry> _entries = new();
    private long _nextId;

    public SlowLog(TernServer server) => _server = server;

    /// <summary>Records the command if it was slow enough (called after every command).</summary>
    public void Consider(CommandContext ctx, long usec)
    {
        long threshold = _server.Config.SlowlogLogSlowerThan;
        if (threshold < 0) return;
        if ((ctx.Command.Flags & CommandFlags.SkipSlowlog) != 0) return;
        if (usec >= threshold) Add(ctx, usec);
        // A lowered slowlog-max-len takes effect at the next command, slow or not.
        else if (_entries.Count > _server.Config.SlowlogMaxLen) Trim();
    }

    private void Add(CommandContext ctx, long usec)
    {
        var args = ctx.Args;
        int argc = args.Count;
        var redact = RedactedArgs(ctx.Command, args);
        int n = Math.Min(argc, MaxArgs);
        var kept = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            if (n != argc && i == n - 1)
            {
                kept[i] = Encoding.ASCII.GetBytes($"... ({argc - n + 1} more arguments)");
                break;
            }
            if (redact != null && redact.Contains(i))
            {
                kept[i] = Redacted;
                continue;
            }
            var a = args[i];
            kept[i] = a.Length > MaxArgLength
                ? [.. a[..MaxArgLength], .. Encoding.ASCII.GetBytes($"... ({a.Length - MaxArgLength} more bytes)")]
                : a.ToArray();
        }
        var name = ctx.Client.Name ?? [];
        lock (_entries)
        {
            _entries.AddFirst(new Entry(_nextId++, ctx.Now / 1000, usec, kept, ctx.Client.Addr, name));
        }
        Trim();
    }

    private void Trim()
    {
        lock (_entries)
        {
            while (_entries.Count > 0 && _entries.Count > _server.Config.SlowlogMaxLen) _entries.RemoveLast();
        }
    }

    /// <summary>The argument positions Redis replaces by "(redacted)" for this command, or null.</summary>
    private HashSet<int>? RedactedArgs(CommandDef cmd, CommandArgs args)
    {
        HashSet<int>? r = null;
        int argc = args.Count;
        switch (cmd.FullName)
        {
            case "auth":
                if (argc <= 3)
                {
                    r = [1];
                    if (argc == 3) r.Add(2);
                }
                break;
            case "hello":
                for (int j = 2; j < argc; j++)
                {
                    int more = argc - 1 - j;
                    if (Ascii.EqualsIgnoreCase(args[j], "AUTH"u8) && more >= 2)
                    {
                        (r ??= []).Add(j + 1);
                        r.Add(j + 2);
                        j += 2;
                    }
                    else if (Ascii.EqualsIgnoreCase(args[j], "SETNAME"u8) && more >= 1) j++;
                    else break;
                }
                break;
            case "config|set":
                for (int j = 2; j + 1 < argc; j += 2)
                {
                    var p = _server.Config.Find(Encoding.UTF8.GetString(args[j]));
                    if (p != null && (p.Flags & Configuration.ConfigFlags.Sensitive) != 0) (r ??= []).Add(j + 1);
                }
                break;
            case "migrate":
                for (int j = 6; j < argc; j++)
                {
                    int more = argc - 1 - j;
                    if (Ascii.EqualsIgnoreCase(args[j], "AUTH"u8) && more >= 1) (r ??= []).Add(++j);
                    else if (Ascii.EqualsIgnoreCase(args[j], "AUTH2"u8) && more >= 2)
                    {
                        (r ??= []).Add(++j);
                        r.Add(++j);
                    }
                }
                break;
            case "acl|setuser":
                for (int j = 2; j < argc; j++) (r ??= []).Add(j);
                break;
        }
        return r;
    }

    /// <summary>The newest <paramref name="count"/> entries (all when negative).</summary>
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
