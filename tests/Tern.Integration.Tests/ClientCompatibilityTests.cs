using System.Diagnostics;
using System.Text;
using StackExchange.Redis;
using Tern.TestKit;
using static Tern.Integration.Tests.ConnectionTestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// Real clients against Tern: StackExchange.Redis (its whole handshake, RESP2 and RESP3), redis-cli (output
/// compared with the same invocation against redis-server), redis-benchmark, and many raw clients at once.
/// </summary>
public sealed class ClientCompatibilityTests(Differential d) : IClassFixture<Differential>
{
    [Theory]
    [InlineData(2, null)]
    [InlineData(3, null)]
    [InlineData(3, "s3cret")]
    [InlineData(2, "s3cret")]
    public async Task StackExchangeRedis(int resp, string? password)
    {
        d.Reset();
        Assert.Equal("+OK", d.TernClient.Call("CONFIG", "RESETSTAT").Text);
        if (password != null) Assert.Equal("+OK", d.TernClient.Call("CONFIG", "SET", "requirepass", password).Text);
        var log = new StringWriter();
        try
        {
            var options = new ConfigurationOptions
            {
                AbortOnConnectFail = true,
                ConnectTimeout = 20_000,
                SyncTimeout = 20_000,
                AsyncTimeout = 20_000,
                Protocol = resp == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2,
                Password = password,
                ClientName = "compat-" + resp,
            };
            options.EndPoints.Add("127.0.0.1", d.Tern.Port);
            await using var mux = await ConnectionMultiplexer.ConnectAsync(options, log);
            Assert.True(mux.IsConnected, log.ToString());
            var server = mux.GetServer(mux.GetEndPoints()[0]);
            Assert.Equal(resp == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2, server.Protocol);
            Assert.Equal(new Version(7, 0, 15), server.Version);
            Assert.Equal(ServerType.Standalone, server.ServerType);
            Assert.False(server.IsReplica);

            var db = mux.GetDatabase();
            Assert.True(await db.StringSetAsync("se:k", "value"));
            Assert.Equal("value", (string?)await db.StringGetAsync("se:k"));
            Assert.True(db.StringGet("se:missing").IsNull);
            Assert.Equal(1, await db.StringIncrementAsync("se:n"));
            Assert.Equal(11, db.StringIncrement("se:n", 10));
            Assert.Equal(10.5, db.StringIncrement("se:f", 10.5));
            Assert.True(await db.KeyExpireAsync("se:k", TimeSpan.FromSeconds(100)));
            var ttl = await db.KeyTimeToLiveAsync("se:k");
            Assert.InRange(ttl!.Value.TotalSeconds, 1, 100);
            Assert.False(await db.KeyExpireAsync("se:missing", TimeSpan.FromSeconds(100)));
            Assert.Equal("PONG", (string?)await db.ExecuteAsync("PING"));
            Assert.Equal("hi", (string?)await db.ExecuteAsync("ECHO", "hi"));
            await db.StringSetAsync([new("se:a", "1"), new("se:b", "2")]);
            var many = await db.StringGetAsync(["se:a", "se:b", "se:missing"]);
            Assert.Equal(new string?[] { "1", "2", null }, Array.ConvertAll(many, v => (string?)v));
            Assert.True(await db.KeyDeleteAsync("se:k"));
            Assert.Equal(2, await db.KeyDeleteAsync(["se:a", "se:b", "se:missing"]));
            Assert.False(await db.KeyExistsAsync("se:k"));
            Assert.True(await db.StringSetAsync("se:bin", new byte[] { 0, 1, 2, 255 }));
            Assert.Equal(new byte[] { 0, 1, 2, 255 }, (byte[]?)await db.StringGetAsync("se:bin"));
            await server.PingAsync();

            // Its connections announced themselves (CLIENT SETNAME, CLIENT SETINFO) and use the protocol asked for.
            var lines = ClientLines(d.TernClient.Call("CLIENT", "LIST"));
            var mine = Array.FindAll(lines, l => Field(l, "lib-name") == "SE.Redis");
            Assert.NotEmpty(mine);
            foreach (var l in mine)
            {
                Assert.Equal("compat-" + resp, Field(l, "name"));
                Assert.StartsWith("3.4.35", Field(l, "lib-ver"));
            }
            Assert.Contains(mine, l => Field(l, "resp") == resp.ToString());

            // The handshake ran through: the commands it sends were answered (CLUSTER NODES with an error).
            var stats = d.TernClient.Call("INFO", "commandstats").Text!;
            foreach (var cmd in new[] { "client|setname", "client|setinfo", "client|id", "config|get", "info", "echo" })
                Assert.Contains("cmdstat_" + cmd + ":calls=", stats);
            if (resp == 3) Assert.Contains("cmdstat_hello:calls=", stats);
            Assert.Contains("errorstat_ERR:count=", d.TernClient.Call("INFO", "errorstats").Text);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("StackExchange.Redis failed; its log:\n" + log, e);
        }
        finally
        {
            if (password != null)
            {
                using var admin = d.Tern.Connect();
                Assert.Equal("+OK", admin.Call("AUTH", password).Text);
                Assert.Equal("+OK", admin.Call("CONFIG", "SET", "requirepass", "").Text);
            }
        }
    }

    private static (int exit, string stdout, string stderr) Run(string exe, IEnumerable<string> args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private const string RedisCli = "/usr/bin/redis-cli";

    private (int, string, string) Cli(int port, string? stdin, params string[] args) =>
        Run(RedisCli, ["-p", port.ToString(), .. args], stdin);

    [Fact]
    public void RedisCliOutputMatchesRedis()
    {
        d.Reset();
        string[][] runs =
        [
            ["SET", "cli:k", "hello world"],
            ["GET", "cli:k"],
            ["--no-raw", "GET", "cli:k"],
            ["--no-raw", "GET", "cli:missing"],
            ["INCRBY", "cli:n", "5"],
            ["-r", "3", "INCR", "cli:n"],
            ["--no-raw", "MGET", "cli:k", "cli:missing", "cli:n"],
            ["--no-raw", "INCR", "cli:k"],
            ["-3", "--no-raw", "GET", "cli:missing"],
            ["-3", "--no-raw", "MGET", "cli:k", "cli:missing"],
            ["-3", "PING"],
            ["-n", "3", "SET", "cli:db3", "x"],
            ["-n", "3", "GET", "cli:db3"],
            ["GET", "cli:db3"],
            ["--no-raw", "NOSUCHCMD", "a"],
            ["-e", "NOSUCHCMD"],
            ["--no-raw", "CLIENT", "GETNAME"],
            ["--no-raw", "EXISTS", "cli:k", "cli:n", "cli:missing"],
            ["--no-raw", "TTL", "cli:k"],
            ["DEL", "cli:k", "cli:n", "cli:nope"],
            ["--no-raw", "CONFIG", "GET", "maxclients"],
        ];
        foreach (var args in runs)
        {
            var r = Cli(d.Redis.Port, null, args);
            var t = Cli(d.Tern.Port, null, args);
            Assert.True(r == t, $"redis-cli {string.Join(' ', args)}\n  redis: {r}\n  tern:  {t}");
        }

        // -x takes the last argument from standard input.
        foreach (var port in new[] { d.Redis.Port, d.Tern.Port })
            Assert.Equal("OK\n", Cli(port, "from stdin\n", "-x", "SET", "cli:x").Item2);
        Assert.Equal(Cli(d.Redis.Port, null, "GET", "cli:x"), Cli(d.Tern.Port, null, "GET", "cli:x"));

        // --pipe: a stream of raw commands, then its ECHO marker; counts replies and errors.
        var pipe = new StringBuilder();
        for (int i = 0; i < 1000; i++) pipe.Append(Encoding.Latin1.GetString(RespClient.Encode("SET", "pipe:" + i, i)));
        pipe.Append("INCR cli:k2\r\nNOSUCH\r\n");
        var rp = Cli(d.Redis.Port, pipe.ToString(), "--pipe");
        var tp = Cli(d.Tern.Port, pipe.ToString(), "--pipe");
        Assert.Equal(rp, tp);
        Assert.Contains("errors: 1, replies: 1002", tp.Item2);
        Assert.Equal("999", Cli(d.Tern.Port, null, "GET", "pipe:999").Item2.Trim());

        // Replies that differ by nature (ids, addresses, uptime) are checked for their content.
        var info = Cli(d.Tern.Port, null, "INFO", "server").Item2;
        Assert.Contains("redis_version:7.0.15", info);
        var clientInfo = Cli(d.Tern.Port, null, "-3", "CLIENT", "INFO").Item2;
        Assert.Contains(" resp=3 ", clientInfo);
        Assert.Contains(" cmd=client|info ", clientInfo);
    }

    [Fact]
    public void RedisBenchmarkRuns()
    {
        d.Reset();
        var (exit, stdout, stderr) = Run("/usr/bin/redis-benchmark", ["-p", d.Tern.Port.ToString(), "-t", "set,get,incr", "-n", "2000", "-q"]);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        var results = FinalLines(stdout);
        foreach (var test in new[] { "SET", "GET", "INCR" })
            Assert.Contains(results, l => l.StartsWith(test + ": ") && l.Contains(" requests per second"));
        // The benchmark's keys hold what it wrote: INCR ran 2000 times on one counter, SET wrote 3-byte values.
        Assert.Equal("2000", d.TernClient.Call("GET", "counter:__rand_int__").Text);
        Assert.Equal("3", d.TernClient.Call("STRLEN", "key:__rand_int__").Text);

        // Pipelined, 16 commands per write.
        (exit, stdout, stderr) = Run("/usr/bin/redis-benchmark", ["-p", d.Tern.Port.ToString(), "-t", "set,get", "-n", "2000", "-P", "16", "-q"]);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        results = FinalLines(stdout);
        Assert.Contains(results, l => l.StartsWith("SET: ") && l.Contains(" requests per second"));
        Assert.Contains(results, l => l.StartsWith("GET: ") && l.Contains(" requests per second"));
        Assert.Equal("+PONG", d.TernClient.Call("PING").Text);
    }

    /// <summary>redis-benchmark -q prints progress lines ended by \r and one final line per test.</summary>
    private static List<string> FinalLines(string stdout)
    {
        var result = new List<string>();
        foreach (var line in stdout.Split('\n'))
        {
            var parts = line.Split('\r');
            var last = parts[^1].Trim();
            if (last.Length > 0) result.Add(last);
        }
        return result;
    }

    [Fact]
    public void ManyClientsAtOnce()
    {
        d.Reset();
        const int threads = 16, iterations = 300;
        string[] counters = ["cc:0", "cc:1", "cc:2", "cc:3"];
        static string Value(int t, int i) => $"{t}:{i}:" + new string((char)('a' + (t + i) % 26), i * 37 % 700);
        var errors = new List<Exception>();
        var workers = new List<Thread>();
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            var th = new Thread(() =>
            {
                try
                {
                    using var c = new RespClient(d.Tern.Port);
                    for (int i = 0; i < iterations; i++)
                    {
                        // Four commands per write, replies read after: pipelined and interleaved with the others.
                        c.SendRaw(Concat(
                            RespClient.Encode("INCR", counters[(id + i) % counters.Length]),
                            RespClient.Encode("SET", $"u:{id}:{i}", Value(id, i)),
                            RespClient.Encode("GET", $"u:{id}:{i}"),
                            RespClient.Encode("INCRBY", "cc:total", 2)));
                        var incr = c.Read();
                        if (incr.Type != ':') throw new InvalidDataException("INCR: " + incr);
                        var set = c.Read();
                        if (set.Text != "+OK") throw new InvalidDataException("SET: " + set);
                        var get = c.Read();
                        if (get.Text != Value(id, i)) throw new InvalidDataException($"GET u:{id}:{i}: {get}");
                        var by = c.Read();
                        if (by.Type != ':') throw new InvalidDataException("INCRBY: " + by);
                    }
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e);
                }
            });
            workers.Add(th);
        }
        foreach (var th in workers) th.Start();
        foreach (var th in workers) Assert.True(th.Join(TimeSpan.FromMinutes(5)), "a worker did not finish");
        Assert.Empty(errors);

        var expected = new long[counters.Length];
        for (int t = 0; t < threads; t++)
            for (int i = 0; i < iterations; i++) expected[(t + i) % counters.Length]++;
        var got = d.TernClient.Call("MGET", counters[0], counters[1], counters[2], counters[3]);
        for (int k = 0; k < counters.Length; k++) Assert.Equal(expected[k].ToString(), got.Items![k].Text);
        Assert.Equal((threads * iterations * 2).ToString(), d.TernClient.Call("GET", "cc:total").Text);
        for (int t = 0; t < threads; t++)
        {
            var keys = new object[iterations + 1];
            keys[0] = "MGET";
            for (int i = 0; i < iterations; i++) keys[i + 1] = $"u:{t}:{i}";
            var values = d.TernClient.Call(keys);
            for (int i = 0; i < iterations; i++) Assert.Equal(Value(t, i), values.Items![i].Text);
        }
        Assert.Equal((threads * iterations + counters.Length + 1).ToString(), d.TernClient.Call("DBSIZE").Text);
    }
}
