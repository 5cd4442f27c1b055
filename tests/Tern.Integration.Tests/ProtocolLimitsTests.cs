using System.Text;
using Tern.TestKit;
using static Tern.Integration.Tests.ConnectionTestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Protocol errors and connection limits (proto-max-bulk-len, inline and multibulk limits, maxclients, timeout,
/// client-output-buffer-limit, protected mode, deep pipelines) against redis-server 7.0 and Tern: the bytes each
/// connection receives, and whether it is closed, must be the same.
/// </summary>
public sealed class ProtocolLimitsTests(Differential d) : IClassFixture<Differential>
{
    public static TheoryData<string, string> ProtocolErrors => new()
    {
        { "multibulk count not a number", "*abc\r\n" },
        { "multibulk count over INT_MAX", "*2147483648\r\n" },
        { "multibulk count with sign only", "*-\r\n" },
        { "bulk length not a number", "*1\r\n$x\r\n" },
        { "negative bulk length", "*1\r\n$-1\r\n" },
        { "bulk length over proto-max-bulk-len", "*1\r\n$536870913\r\n" },
        { "no $ before a bulk", "*1\r\n+PING\r\n" },
        { "no $, a high byte", "*1\r\n\u00ffPING\r\n" },
        { "inline request over 64 KB", new string('A', 81920) },
        { "multibulk count line over 64 KB", "*" + new string('1', 81919) },
        { "bulk length line over 64 KB", "*1\r\n$" + new string('1', 81915) },
        { "unbalanced double quote", "SET k \"abc\r\n" },
        { "unbalanced single quote", "SET k 'abc\r\n" },
        { "closing quote followed by a letter", "SET k \"a\"b\r\n" },
        { "commands before the error run", "PING\r\nSET pe 1\r\n*2\r\n$3\r\nGET\r\n$2\r\npe\r\n*x\r\n" },
        { "an error right after a complete command", "*1\r\n$4\r\nPING\r\n*1\r\n$-5\r\n" },
    };

    [Theory]
    [MemberData(nameof(ProtocolErrors))]
    public void ProtocolErrorRepliesThenClosesOnlyThatConnection(string name, string request)
    {
        d.Reset();
        var bytes = Encoding.Latin1.GetBytes(request);
        var r = ExchangeUntilClosed(d.Redis.Port, bytes);
        var t = ExchangeUntilClosed(d.Tern.Port, bytes);
        Assert.True(r == t, $"{name}\n  redis: {Escape(r)}\n  tern:  {Escape(t)}");
        Assert.Contains("Protocol error", t);
        // The other connections go on.
        d.Same("PING");
        d.Same("GET", "pe");
    }

    public static TheoryData<string, string> WellFormedOddities => new()
    {
        { "empty and negative multibulks are skipped", "*0\r\n*-1\r\n*-5\r\nPING\r\n" },
        { "empty inline lines", "\r\n\r\n   \r\n\n\tPING\r\n" },
        { "the two bytes after a bulk are not checked", "*1\r\n$4\r\nPINGxx*2\r\n$4\r\nECHO\r\n$1\r\nz\r\n" },
        { "inline escapes", "ECHO \"a\\x41\\n\\t\\\\b\"\r\nECHO 'it\\'s'\r\nEcHo \"\"\r\n" },
        { "LF-only inline lines", "PING\nECHO x\n" },
        { "inline near 64 KB", "ECHO " + new string('a', 60000) + "\r\n" },
        { "a big bulk argument", "*2\r\n$4\r\nECHO\r\n$200000\r\n" + new string('b', 200000) + "\r\n" },
        { "unknown command preview", "NOSUCH " + new string('x', 100) + " y z\r\n" },
    };

    [Theory]
    [MemberData(nameof(WellFormedOddities))]
    public void WellFormedOddRequests(string name, string request)
    {
        d.Reset();
        var bytes = Encoding.Latin1.GetBytes(request + "QUIT\r\n");
        var r = ExchangeUntilClosed(d.Redis.Port, bytes);
        var t = ExchangeUntilClosed(d.Tern.Port, bytes);
        Assert.True(r == t, $"{name}\n  redis: {Escape(r)}\n  tern:  {Escape(t)}");
        Assert.EndsWith("+OK\r\n", t);
    }

    [Fact]
    public void ProtoMaxBulkLen()
    {
        d.Reset();
        d.Same("CONFIG", "SET", "proto-max-bulk-len", "1mb");
        try
        {
            var over = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n");
            Assert.Equal(ExchangeUntilClosed(d.Redis.Port, over), ExchangeUntilClosed(d.Tern.Port, over));
            var exact = Concat(RespClient.Encode("SET", "k", new string('v', 1048576)), RespClient.Encode("STRLEN", "k"), "QUIT\r\n"u8.ToArray());
            var r = ExchangeUntilClosed(d.Redis.Port, exact);
            Assert.Equal(r, ExchangeUntilClosed(d.Tern.Port, exact));
            Assert.Equal("+OK\r\n:1048576\r\n+OK\r\n", r);
        }
        finally
        {
            d.Same("CONFIG", "SET", "proto-max-bulk-len", "512mb");
        }
    }

    [Fact]
    public void DeepPipelineInOneWrite()
    {
        d.Reset();
        var ms = new MemoryStream();
        const int n = 10_000;
        for (int i = 0; i < n; i++)
        {
            byte[] cmd = (i % 7) switch
            {
                0 => RespClient.Encode("SET", "p:" + (i % 100), i),
                1 => RespClient.Encode("INCR", "counter"),
                2 => RespClient.Encode("GET", "p:" + (i % 100)),
                3 => Encoding.ASCII.GetBytes($"ECHO e{i}\r\n"),
                4 => RespClient.Encode("APPEND", "log", "."),
                5 => i % 1000 == 5 ? RespClient.Encode("NOSUCHCMD", i) : RespClient.Encode("EXISTS", "p:1", "p:2", "nope"),
                _ => RespClient.Encode("PING"),
            };
            ms.Write(cmd);
        }
        var request = ms.ToArray();
        string Run(int port)
        {
            using var c = new RespClient(port);
            c.SendRaw(request);
            var sb = new StringBuilder();
            for (int i = 0; i < n; i++) sb.Append(c.Read().ToString());
            sb.Append(c.Call("GET", "counter").ToString());
            return sb.ToString();
        }
        var r = Run(d.Redis.Port);
        var t = Run(d.Tern.Port);
        Assert.Equal(r.Length, t.Length);
        Assert.True(r == t, "replies differ");
        Assert.EndsWith($"${(n / 7 + 1).ToString().Length}\r\n{n / 7 + 1}\r\n", t);
    }

    [Fact]
    public void MaxClients()
    {
        d.Reset();
        WaitForClients(1);
        d.Same("CONFIG", "SET", "maxclients", "3");
        long rejectedBefore = InfoField(d.TernClient, "stats", "rejected_connections");
        long receivedBefore = InfoField(d.TernClient, "stats", "total_connections_received");
        try
        {
            SameTranscript(d, port =>
            {
                var t = new List<string>();
                using var a = new RespClient(port);
                using var b = new RespClient(port);
                t.Add(a.Call("PING").ToString());
                t.Add(ExchangeUntilClosed(port, "PING\r\n"u8.ToArray()));
                t.Add(b.Call("PING").ToString());
                return t;
            });
            // Rejected connections are not counted as received ones, only as rejected.
            Assert.Equal(rejectedBefore + 1, InfoField(d.TernClient, "stats", "rejected_connections"));
            Assert.Equal(receivedBefore + 2, InfoField(d.TernClient, "stats", "total_connections_received"));
        }
        finally
        {
            WaitForClients(1);
            d.Same("CONFIG", "SET", "maxclients", "10000");
        }
    }

    private static long InfoField(RespClient c, string section, string field)
    {
        foreach (var line in c.Call("INFO", section).Text!.Split("\r\n"))
            if (line.StartsWith(field + ":")) return long.Parse(line[(field.Length + 1)..]);
        throw new KeyNotFoundException(field);
    }

    private void WaitForClients(int n)
    {
        string expected = $"connected_clients:{n}\r\n";
        Wait.Until(() => d.RedisClient.Call("INFO", "clients").Text!.Contains(expected) &&
                         d.TernClient.Call("INFO", "clients").Text!.Contains(expected), $"{n} connected clients");
    }

    [Fact]
    public void IdleTimeout()
    {
        d.Reset();
        try
        {
            foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
            {
                using var m = new RespClient(port);
                Assert.Equal("+OK", m.Call("MONITOR").Text);
                using var idle = new RespClient(port);
                Assert.Equal("+PONG", idle.Call("PING").Text);
                using var admin = new RespClient(port);
                Assert.Equal("+OK", admin.Call("CONFIG", "SET", "timeout", "1").Text);
                // Closed once idle for more than a second; polled, never a fixed sleep. The admin stays active.
                Wait.Until(() => admin.Call("PING").Text == "+PONG" && idle.IsClosedByServer(TimeSpan.FromMilliseconds(200)),
                    "the idle client to be closed");
                // Monitors have no idle timeout (Redis flags them as replicas): the older, idle monitor is still
                // served (its stream holds the admin's PINGs first).
                m.Send("PING");
                while (m.Read().Text != "+PONG")
                {
                }
                Assert.Equal("+OK", admin.Call("CONFIG", "SET", "timeout", "0").Text);
            }
        }
        finally
        {
            d.Reset();
            d.Same("CONFIG", "SET", "timeout", "0");
        }
    }

    [Fact]
    public void OutputBufferHardLimit()
    {
        d.Reset();
        d.Same("CONFIG", "SET", "client-output-buffer-limit", "normal 100kb 0 0");
        try
        {
            d.Same("SET", "big", new string('x', 200 * 1024));
            d.Same("SET", "mid", new string('y', 20 * 1024));
            // One reply over the hard limit: closed without it.
            SameTranscript(d, port => [ExchangeUntilClosed(port, Concat(RespClient.Encode("GET", "big"), RespClient.Encode("PING")))]);
            // Replies of one pipelined batch add up (Redis writes them only after the batch): closed, none sent.
            var many = new MemoryStream();
            for (int i = 0; i < 10; i++) many.Write(RespClient.Encode("GET", "mid"));
            SameTranscript(d, port => [ExchangeUntilClosed(port, many.ToArray())]);
            // Under the limit all is well.
            SameTranscript(d, port => [ExchangeUntilClosed(port, Concat(RespClient.Encode("STRLEN", "big"), RespClient.Encode("GET", "mid"), "QUIT\r\n"u8.ToArray()))]);
            d.Same("PING");
        }
        finally
        {
            d.Same("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
        }
    }

    [Fact]
    public void ProtectedModeRefusesNonLocalPeers()
    {
        // 127.0.0.2 reaches the server over loopback but is not "127.0.0.1": Redis's islocalClient says no.
        d.Reset();
        var r = ExchangeUntilClosed(d.Redis.Port, [], "127.0.0.2");
        var t = ExchangeUntilClosed(d.Tern.Port, [], "127.0.0.2");
        Assert.Equal(r, t);
        Assert.StartsWith("-DENIED Redis is running in protected mode", t);
        d.Same("CONFIG", "SET", "protected-mode", "no");
        try
        {
            SameTranscript(d, port => [ExchangeUntilClosed(port, "PING\r\nQUIT\r\n"u8.ToArray(), "127.0.0.2")]);
        }
        finally
        {
            d.Same("CONFIG", "SET", "protected-mode", "yes");
        }
        // With a password the peer is served (and must authenticate).
        d.Same("CONFIG", "SET", "requirepass", "pw");
        try
        {
            SameTranscript(d, port => [ExchangeUntilClosed(port, "PING\r\nAUTH pw\r\nPING\r\nQUIT\r\n"u8.ToArray(), "127.0.0.2")]);
        }
        finally
        {
            d.Same("CONFIG", "SET", "requirepass", "");
        }
    }

    private static string Escape(string s) => s.Length > 300 ? s[..300].Replace("\r\n", "\\r\\n") + "..." : s.Replace("\r\n", "\\r\\n");
}
