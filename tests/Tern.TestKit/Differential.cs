using System.Text;

namespace Tern.TestKit;

/// <summary>
/// A real redis-server and an in-process Tern side by side, with one connection to each. A test plays the same
/// commands against both and compares the raw reply bytes. One instance per test class (xunit class fixture);
/// tests of a class run one after another.
/// </summary>
public sealed class Differential : IDisposable
{
    public Differential()
    {
        Redis = new RedisServerProcess();
        Tern = new TernHost();
        RedisClient = new RespClient(Redis.Port);
        TernClient = new RespClient(Tern.Port);
    }

    public RedisServerProcess Redis { get; }
    public TernHost Tern { get; }
    public RespClient RedisClient { get; private set; }
    public RespClient TernClient { get; private set; }

    /// <summary>Empties both servers and reconnects (fresh client state: db 0, RESP2).</summary>
    public void Reset()
    {
        RedisClient.Dispose();
        TernClient.Dispose();
        RedisClient = new RespClient(Redis.Port);
        TernClient = new RespClient(Tern.Port);
        RedisClient.Call("FLUSHALL");
        TernClient.Call("FLUSHALL");
    }

    /// <summary>Runs one command on both; returns both replies.</summary>
    public (RespReply redis, RespReply tern) Both(params object[] args) => (RedisClient.Call(args), TernClient.Call(args));

    /// <summary>Runs one command on both and fails unless the raw replies are byte-identical.</summary>
    public RespReply Same(params object[] args)
    {
        var (r, t) = Both(args);
        if (!r.Raw.AsSpan().SequenceEqual(t.Raw))
            throw new DifferentialException(Describe(args), r, t);
        return t;
    }

    /// <summary>Runs a script of commands (one per line, Redis inline syntax) and compares every reply.</summary>
    public void Script(string script)
    {
        foreach (var raw in script.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            Same(SplitLine(line));
        }
    }

    /// <summary>
    /// Runs a script on both servers with notify-keyspace-events set to <paramref name="classes"/> and a
    /// PSUBSCRIBE "__keyevent@0__:*" subscriber on each; returns the ordered "event key" lists (Redis's, Tern's).
    /// </summary>
    public (List<string> Redis, List<string> Tern) KeyEvents(string script, string classes)
    {
        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (KeyEvents(Redis.Port, RedisClient, lines, classes), KeyEvents(Tern.Port, TernClient, lines, classes));
    }

    private static List<string> KeyEvents(int port, RespClient client, string[] lines, string classes)
    {
        client.Call("CONFIG", "SET", "notify-keyspace-events", classes);
        using var sub = new RespClient(port);
        sub.Call("PSUBSCRIBE", "__keyevent@0__:*");
        sub.Call("SUBSCRIBE", "end-marker");
        try
        {
            foreach (var line in lines) client.Call(SplitLine(line));
            client.Call("PUBLISH", "end-marker", "x");
            var events = new List<string>();
            while (true)
            {
                var m = sub.Read();
                if (m.Items![0].Text == "message") return events;
                events.Add(m.Items[2].Text!["__keyevent@0__:".Length..] + " " + m.Items[3].Text);
            }
        }
        finally
        {
            client.Call("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    /// <summary>Splits a script line with Redis's inline quoting rules.</summary>
    public static object[] SplitLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var args = new global::Tern.Protocol.CommandArgs();
        if (!global::Tern.Protocol.RequestParser.SplitArgs(bytes, args)) throw new ArgumentException("unbalanced quotes: " + line);
        args.Rebase(bytes, 0);
        var result = new object[args.Count];
        for (int i = 0; i < args.Count; i++) result[i] = args.ToArray(i);
        return result;
    }

    private static string Describe(object[] args)
    {
        var sb = new StringBuilder();
        foreach (var a in args) sb.Append(a is byte[] b ? Encoding.UTF8.GetString(b) : a).Append(' ');
        return sb.ToString().TrimEnd();
    }

    public void Dispose()
    {
        RedisClient.Dispose();
        TernClient.Dispose();
        Tern.Dispose();
        Redis.Dispose();
    }
}

public sealed class DifferentialException(string command, RespReply redis, RespReply tern)
    : Exception($"replies differ for: {command}\n  redis: {Escape(redis.Raw)}\n  tern:  {Escape(tern.Raw)}")
{
    private static string Escape(byte[] b)
    {
        var s = Encoding.Latin1.GetString(b);
        return s.Length > 2000 ? s[..2000].Replace("\r\n", "\\r\\n") + "..." : s.Replace("\r\n", "\\r\\n");
    }
}
