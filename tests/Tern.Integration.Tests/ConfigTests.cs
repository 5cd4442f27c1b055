using System.Diagnostics;
using System.Net.Sockets;
using Tern.Server;
using Tern.Server.Configuration;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>CONFIG GET/SET/REWRITE and start-up configuration against redis-server.</summary>
public sealed class ConfigTests(Differential d) : IClassFixture<Differential>
{
    private static Dictionary<string, string> Map(RespReply r)
    {
        var m = new Dictionary<string, string>();
        for (int i = 0; i + 1 < r.Items!.Count; i += 2) m[r.Items[i].Text!] = r.Items[i + 1].Text!;
        return m;
    }

    [Fact]
    public void GetExactNamesKeepTheCallersSpellingOnce()
    {
        d.Reset();
        d.Script("""
            CONFIG GET maxmemory
            CONFIG GET MAXMEMORY
            CONFIG GET timeout TIMEOUT time*
            CONFIG GET TIMEOUT timeout
            CONFIG GET slave-read-only
            CONFIG GET nosuchparameter
            CONFIG GET nosuch* nosuch
            CONFIG GET hz hz hz
            CONFIG GET client-output-buffer-limit
            CONFIG GET latency-tracking-info-percentiles
            CONFIG GET
            """);
        // Several results come in Redis's hash-table order: compare them as maps.
        foreach (var args in new[] { new object[] { "CONFIG", "GET", "slave-read-only", "replica-read-only" }, ["CONFIG", "GET", "save", "appendonly", "SAVE"] })
        {
            var (rm, tm) = d.Both(args);
            Assert.Equal(rm.Items!.Count, tm.Items!.Count);
            Assert.Equal(Map(rm), Map(tm));
        }
        var (r, t) = d.Both("HELLO", "3");
        Assert.Equal(r.Type, t.Type);
        d.Script("""
            CONFIG GET maxmemory
            CONFIG GET timeout TIMEOUT
            CONFIG GET nosuchparameter
            """);
    }

    [Theory]
    [InlineData("*read-only*")]
    [InlineData("slowlog*")]
    [InlineData("SLOWLOG*")]
    [InlineData("latency*")]
    [InlineData("maxmemory*")]
    [InlineData("[tp]*o*t")]
    public void GetPatternsAsMaps(string pattern)
    {
        d.Reset();
        var r = Map(d.RedisClient.Call("CONFIG", "GET", pattern));
        var t = Map(d.TernClient.Call("CONFIG", "GET", pattern));
        // Tern registers fewer parameters; those it has are named and valued as in Redis.
        foreach (var (name, value) in t)
        {
            Assert.True(r.ContainsKey(name), $"redis has no '{name}'");
            if (name is "port") continue;
            Assert.True(r[name] == value, $"{name}: redis '{r[name]}', tern '{value}'");
        }
    }

    [Fact]
    public void EveryTernParameterIsARedisParameterWithTheSameValue()
    {
        d.Reset();
        var t = Map(d.TernClient.Call("CONFIG", "GET", "*"));
        int aliases = d.Tern.Server.Config.Parameters.Count(p => p.Alias != null);
        Assert.Equal(d.Tern.Server.Config.Parameters.Count + aliases, t.Count);
        foreach (var name in new[] { "timeout", "replica-read-only", "slave-read-only", "databases", "save", "appendonly" })
            Assert.Contains(name, t.Keys);
        // Values that legitimately differ between the two test servers.
        var differ = new HashSet<string> { "port", "dir", "logfile", "loglevel" };
        foreach (var (name, value) in t)
        {
            var r = Map(d.RedisClient.Call("CONFIG", "GET", name));
            Assert.True(r.ContainsKey(name), $"redis has no parameter '{name}'");
            if (differ.Contains(name)) continue;
            Assert.True(r[name] == value, $"{name}: redis '{r[name]}', tern '{value}'");
        }
    }

    [Fact]
    public void SetErrorsAsRedis()
    {
        d.Reset();
        d.Script("""
            CONFIG SET timeout
            CONFIG SET timeout 1 maxclients
            CONFIG SET nosuch 1
            CONFIG SET timeout 1 nosuch 2
            CONFIG SET daemonize yes timeout 1
            CONFIG SET timeout 1 daemonize no
            CONFIG SET databases 4
            CONFIG SET timeout 1 TIMEOUT 2
            CONFIG SET replica-read-only yes SLAVE-READ-ONLY yes
            CONFIG SET slave-read-only maybe
            CONFIG SET timeout abc
            CONFIG SET timeout -1
            CONFIG SET timeout 99999999999
            CONFIG SET timeout " 1"
            CONFIG SET timeout +1
            CONFIG SET maxclients 0
            CONFIG SET maxclients -1
            CONFIG SET protected-mode maybe
            CONFIG SET loglevel loud
            CONFIG SET proto-max-bulk-len 1kb
            CONFIG SET proto-max-bulk-len 1x
            CONFIG SET proto-max-bulk-len -5
            CONFIG SET slowlog-max-len -1
            CONFIG SET slowlog-log-slower-than -2
            CONFIG SET client-output-buffer-limit "normal 0 0"
            CONFIG SET client-output-buffer-limit "master 0 0 0"
            CONFIG SET client-output-buffer-limit "normal 1x 0 0"
            CONFIG SET client-output-buffer-limit "normal 0 0 -1"
            CONFIG SET latency-tracking-info-percentiles "50 abc"
            CONFIG SET latency-tracking-info-percentiles 101
            CONFIG SET latency-tracking maybe
            CONFIG SET dir /tmp
            CONFIG SET enable-debug-command no
            CONFIG SET save "100"
            CONFIG SET save "0 1"
            CONFIG SET save "a b"
            CONFIG GET timeout
            """);
    }

    [Fact]
    public void SetSeveralPairsAtomically()
    {
        d.Reset();
        d.Script("""
            CONFIG SET timeout 100 maxclients 0
            CONFIG GET timeout
            CONFIG SET timeout 100 slowlog-max-len 7 proto-max-bulk-len 2mb hz 0
            CONFIG GET timeout
            CONFIG GET slowlog-max-len
            CONFIG GET proto-max-bulk-len
            CONFIG GET hz
            CONFIG SET hz 100000
            CONFIG GET hz
            CONFIG SET client-output-buffer-limit "normal 1mb 2mb 3 pubsub 1k 2k 4"
            CONFIG GET client-output-buffer-limit
            CONFIG SET client-output-buffer-limit ""
            CONFIG GET client-output-buffer-limit
            CONFIG SET client-output-buffer-limit "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60"
            CONFIG SET replica-read-only no slave-read-only yes
            CONFIG GET replica-read-only
            CONFIG SET SLAVE-READ-ONLY yes
            CONFIG SET loglevel WARNING
            CONFIG GET loglevel
            CONFIG SET protected-mode NO
            CONFIG GET protected-mode
            CONFIG SET maxmemory 0 maxmemory-policy noeviction appendonly no save ""
            CONFIG SET timeout 0 slowlog-max-len 128 proto-max-bulk-len 512mb hz 10 protected-mode yes
            """);
    }

    [Fact]
    public void ValuesTernCannotHonourAreRefused()
    {
        d.Reset();
        var c = d.TernClient;
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be '0': Tern has no memory limit", c.Call("CONFIG", "SET", "maxmemory", "1mb").Text);
        Assert.Equal("-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'no': Tern has no append-only file", c.Call("CONFIG", "SET", "appendonly", "yes").Text);
        // maxmemory-policy is accepted (it selects LRU clock or LFU counter); with maxmemory 0 nothing is evicted.
        Assert.Equal("+OK", c.Call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu").Text);
        Assert.Equal("+OK", c.Call("CONFIG", "SET", "maxmemory-policy", "noeviction").Text);
        Assert.Equal("+OK", c.Call("CONFIG", "SET", "maxmemory", "0b").Text);
    }

    [Fact]
    public void RewriteWithoutConfigFile()
    {
        d.Reset();
        d.Same("CONFIG", "REWRITE");
        d.Same("CONFIG", "REWRITE", "x");
        d.Same("CONFIG", "RESETSTAT", "x");
    }

    [Fact]
    public void CommandLineFlagsReachTheServer()
    {
        using var host = new TernHost("--timeout", "7", "--client-output-buffer-limit", "pubsub", "1mb", "2mb", "3",
            "--slave-read-only", "no", "--latency-tracking-info-percentiles", "90", "99.99");
        using var c = host.Connect();
        Assert.Equal("7", Map(c.Call("CONFIG", "GET", "timeout"))["timeout"]);
        Assert.Equal("normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3", Map(c.Call("CONFIG", "GET", "client-output-buffer-limit"))["client-output-buffer-limit"]);
        Assert.Equal("no", Map(c.Call("CONFIG", "GET", "replica-read-only"))["replica-read-only"]);
        Assert.Equal("90 99.99", Map(c.Call("CONFIG", "GET", "latency-tracking-info-percentiles"))["latency-tracking-info-percentiles"]);
        // The test host asks for port 0 (any free port): CONFIG GET shows the setting, INFO the port in use.
        Assert.Equal("0", Map(c.Call("CONFIG", "GET", "port"))["port"]);
    }

    [Fact]
    public void StackExchangeRedisReadsTheConfiguration()
    {
        using var host = new TernHost("--databases", "5", "--timeout", "300");
        using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{host.Port},allowAdmin=true,connectTimeout=20000,syncTimeout=20000");
        var server = mux.GetServer("127.0.0.1", host.Port);
        // The client learns the number of databases from CONFIG GET databases.
        Assert.Equal(5, server.DatabaseCount);
        var config = new Dictionary<string, string>();
        foreach (var kv in server.ConfigGet("*")) config[kv.Key] = kv.Value;
        Assert.Equal("300", config["timeout"]);
        Assert.Equal("yes", config["slave-read-only"]);
        Assert.Equal("", config["save"]);
        Assert.Equal("no", config["appendonly"]);
        var info = server.Info("server");
        Assert.Contains(info, g => g.Key == "Server");
        Assert.Equal(new Version(7, 0, 15), server.Version);
        server.ConfigSet("slowlog-max-len", "9");
        Assert.Equal("9", server.ConfigGet("slowlog-max-len")[0].Value);
    }

    [Fact]
    public void RewriteMatchesRedis()
    {
        var dir = Directory.CreateTempSubdirectory("tern-rewrite-").FullName;
        var redisDir = Directory.CreateDirectory(Path.Combine(dir, "redis"));
        var ternDir = Directory.CreateDirectory(Path.Combine(dir, "tern"));
        Process? redis = null;
        TernServer? tern = null;
        try
        {
            int redisPort = RedisServerProcess.FreePort();
            string Conf(int port, string workDir) => $"""
                # Test configuration
                port {port}
                bind 127.0.0.1

                # Clients
                timeout 10
                maxclients 100
                tcp-keepalive 60
                slowlog-max-len 64
                slowlog-max-len 65
                HZ 20
                protected-mode yes
                slave-read-only yes
                save ""
                appendonly no
                loglevel notice
                dir {workDir}
                enable-debug-command yes
                client-output-buffer-limit pubsub 32mb 8mb 60
                # the end
                """;
            string redisConf = Path.Combine(redisDir.FullName, "redis.conf");
            string ternConf = Path.Combine(ternDir.FullName, "tern.conf");
            File.WriteAllText(redisConf, Conf(redisPort, redisDir.FullName));
            File.WriteAllText(ternConf, Conf(0, ternDir.FullName));

            var psi = new ProcessStartInfo(RedisServerProcess.Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = redisDir.FullName,
            };
            psi.ArgumentList.Add(redisConf);
            redis = Process.Start(psi)!;
            redis.OutputDataReceived += (_, _) => { };
            redis.ErrorDataReceived += (_, _) => { };
            redis.BeginOutputReadLine();
            redis.BeginErrorReadLine();
            Wait.Until(() =>
            {
                try
                {
                    using var probe = new RespClient(redisPort);
                    return probe.Call("PING").Text == "+PONG";
                }
                catch (SocketException)
                {
                    return false;
                }
            }, "redis-server with a config file");

            var config = new ServerConfig();
            Assert.Empty(ConfigLoader.ApplyArgs(config, [ternConf]));
            tern = new TernServer(config);
            tern.Start();

            using var rc = new RespClient(redisPort);
            using var tc = new RespClient(tern.Port);
            var sets = new[]
            {
                new[] { "timeout", "20" },
                ["maxclients", "10000"],
                ["slowlog-max-len", "128"],
                ["proto-max-bulk-len", "64mb"],
                ["client-output-buffer-limit", "normal 1mb 2mb 3"],
                ["requirepass", "s3cret \"quoted\""],
                ["latency-monitor-threshold", "5"],
                ["loglevel", "warning"],
                ["tcp-keepalive", "300"],
            };
            foreach (var s in sets)
            {
                Assert.Equal("+OK", rc.Call("CONFIG", "SET", s[0], s[1]).Text);
                Assert.Equal("+OK", tc.Call("CONFIG", "SET", s[0], s[1]).Text);
            }
            Assert.Equal("+OK", rc.Call("CONFIG", "REWRITE").Text);
            Assert.Equal("+OK", tc.Call("CONFIG", "REWRITE").Text);
            AssertSameRewrite(File.ReadAllText(redisConf), File.ReadAllText(ternConf));

            // A second round, back to defaults and with a secret removed.
            foreach (var s in new[] { new[] { "requirepass", "" }, ["timeout", "0"], ["proto-max-bulk-len", "512mb"] })
            {
                Assert.Equal("+OK", rc.Call("CONFIG", "SET", s[0], s[1]).Text);
                Assert.Equal("+OK", tc.Call("CONFIG", "SET", s[0], s[1]).Text);
            }
            Assert.Equal("+OK", rc.Call("CONFIG", "REWRITE").Text);
            Assert.Equal("+OK", tc.Call("CONFIG", "REWRITE").Text);
            AssertSameRewrite(File.ReadAllText(redisConf), File.ReadAllText(ternConf));
        }
        finally
        {
            tern?.Dispose();
            if (redis != null)
            {
                try
                {
                    if (!redis.HasExited)
                    {
                        redis.Kill(entireProcessTree: true);
                        redis.WaitForExit(10_000);
                    }
                }
                catch (InvalidOperationException)
                {
                }
                redis.Dispose();
            }
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Lines kept in place must match exactly; lines appended after the signature may come in any order (Redis
    /// walks a hash table). The port and dir lines name each server's own values; Redis's "user" lines are ACL
    /// state Tern does not have.
    /// </summary>
    private static void AssertSameRewrite(string redis, string tern)
    {
        static (List<string> Head, List<string> Tail) Split(string text)
        {
            var head = new List<string>();
            var tail = new List<string>();
            bool appended = false;
            foreach (var raw in text.Split('\n'))
            {
                string line = raw;
                if (line.StartsWith("user ", StringComparison.Ordinal)) continue;
                if (line.StartsWith("port ", StringComparison.Ordinal)) line = "port <port>";
                if (line.StartsWith("dir ", StringComparison.Ordinal)) line = "dir <dir>";
                if (line == ConfigRewriter.Signature) appended = true;
                (appended ? tail : head).Add(line);
            }
            tail.Sort(StringComparer.Ordinal);
            return (head, tail);
        }
        var (rh, rt) = Split(redis);
        var (th, tt) = Split(tern);
        Assert.Equal(rh, th);
        Assert.Equal(rt, tt);
    }
}
