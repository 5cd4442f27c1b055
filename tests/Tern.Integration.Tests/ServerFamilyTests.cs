using System.Text.RegularExpressions;
using Tern.Server.Info;
using Tern.TestKit;

namespace Tern.Integration.Tests;

/// <summary>
/// INFO, COMMAND, SLOWLOG, LATENCY, MEMORY and SHUTDOWN against redis-server. Clock-, memory- and
/// address-dependent values are compared by shape or range; everything else byte for byte.
/// </summary>
public sealed partial class ServerFamilyTests(Differential d) : IClassFixture<Differential>
{
    // ---- helpers ----

    private static string Text(RespReply r) => r.Type == '=' ? r.Text![4..] : r.Text!;

    /// <summary>INFO text as sections of (field, value), in order.</summary>
    private static List<(string Section, List<(string Name, string Value)> Fields)> ParseInfo(string text)
    {
        var result = new List<(string, List<(string, string)>)>();
        foreach (var line in text.Split("\r\n"))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                result.Add((line[2..], []));
                continue;
            }
            int colon = line.IndexOf(':');
            Assert.True(colon > 0, $"bad INFO line '{line}'");
            Assert.NotEmpty(result);
            result[^1].Item2.Add((line[..colon], line[(colon + 1)..]));
        }
        return result;
    }

    private static Dictionary<string, string> Fields(string text)
    {
        var d = new Dictionary<string, string>();
        foreach (var (_, fields) in ParseInfo(text))
            foreach (var (n, v) in fields) d[n] = v;
        return d;
    }

    private static List<string> Headers(string text)
    {
        var l = new List<string>();
        foreach (var (s, _) in ParseInfo(text)) l.Add(s);
        return l;
    }

    private static Dictionary<string, string> FlatMap(RespReply r)
    {
        var m = new Dictionary<string, string>();
        for (int i = 0; i + 1 < r.Items!.Count; i += 2) m[r.Items[i].Text!] = r.Items[i + 1].Text!;
        return m;
    }

    /// <summary>Switches both connections to RESP3 (HELLO's own reply carries ids, so it is not compared).</summary>
    private static void BothResp3(Differential d)
    {
        var (r, t) = d.Both("HELLO", "3");
        Assert.Equal(r.Type, t.Type);
    }

    // ---- INFO ----

    [Fact]
    public void InfoEverythingHasRedisSectionsAndFields()
    {
        d.Reset();
        string redis = Text(d.RedisClient.Call("INFO", "EVERYTHING"));
        string tern = Text(d.TernClient.Call("INFO", "EVERYTHING"));
        var r = ParseInfo(redis);
        var t = ParseInfo(tern);
        Assert.Equal(Headers(redis), Headers(tern));
        // Sections whose lines are data (one per command, error or database) are compared elsewhere.
        var dataSections = new HashSet<string> { "Commandstats", "Errorstats", "Latencystats", "Keyspace" };
        for (int i = 0; i < r.Count; i++)
        {
            if (dataSections.Contains(r[i].Section)) continue;
            var expected = new List<string>();
            foreach (var (n, _) in r[i].Fields)
                if (!InfoBuilder.OmittedFields.ContainsKey(n)) expected.Add(n);
            var actual = new List<string>();
            foreach (var (n, _) in t[i].Fields)
                if (n != "tern_version") actual.Add(n);
            // Same names in the same order.
            Assert.Equal(expected, actual);
        }
        // The omitted fields really are Redis 7.0 fields.
        var all = Fields(redis);
        foreach (var name in InfoBuilder.OmittedFields.Keys) Assert.Contains(name, all.Keys);
    }

    [Fact]
    public void InfoValuesThatMustAgree()
    {
        d.Reset();
        var r = Fields(Text(d.RedisClient.Call("INFO", "EVERYTHING")));
        var t = Fields(Text(d.TernClient.Call("INFO", "EVERYTHING")));
        foreach (var name in new[] { "redis_version", "redis_git_sha1", "redis_git_dirty", "redis_mode", "arch_bits", "hz", "configured_hz",
                     "maxclients", "blocked_clients", "maxmemory", "maxmemory_human", "maxmemory_policy", "loading",
                     "aof_enabled", "rdb_bgsave_in_progress", "role", "connected_slaves", "master_failover_state", "master_repl_offset",
                     "repl_backlog_active", "repl_backlog_size", "cluster_enabled", "evicted_keys", "total_forks",
                     "number_of_cached_scripts", "process_supervised", "pubsub_channels", "mem_aof_buffer" })
            Assert.True(r[name] == t[name], $"{name}: redis {r[name]}, tern {t[name]}");
        Assert.Equal(d.Tern.Port.ToString(), t["tcp_port"]);
        Assert.Equal(Environment.ProcessId.ToString(), t["process_id"]);
        Assert.Matches("^[0-9a-f]{40}$", t["run_id"]);
        Assert.InRange(long.Parse(t["used_memory"]), 1, long.MaxValue);
        Assert.InRange(long.Parse(t["used_memory_rss"]), 1, long.MaxValue);
        Assert.InRange(long.Parse(t["total_system_memory"]), 1, long.MaxValue);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        Assert.InRange(long.Parse(t["server_time_usec"]), now - 60_000_000, now + 60_000_000);
        Assert.Matches(@"^\d+\.\d{6}$", t["used_cpu_user"]);
        Assert.Matches(@"^\d+\.\d\d$", t["mem_fragmentation_ratio"]);
        Assert.Matches(@"^\d+\.\d\d%$", t["used_memory_peak_perc"]);
        Assert.Matches(@"^\d+(\.\d\d[KMGTP]|B)$", t["used_memory_human"]);
        Assert.Equal(r["os"].Split(' ')[0], t["os"].Split(' ')[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("default")]
    [InlineData("all")]
    [InlineData("everything")]
    [InlineData("server")]
    [InlineData("SERVER")]
    [InlineData("server clients")]
    [InlineData("keyspace server")]
    [InlineData("server foo")]
    [InlineData("commandstats")]
    [InlineData("default commandstats latencystats")]
    [InlineData("modules")]
    [InlineData("module_list")]
    [InlineData("all server")]
    [InlineData("everything keyspace")]
    [InlineData("errorstats errorstats cpu")]
    [InlineData("persistence replication cluster memory stats")]
    public void InfoSectionSelection(string args)
    {
        d.Reset();
        var argv = new List<object> { "INFO" };
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) argv.Add(a);
        var r = Headers(Text(d.RedisClient.Call([.. argv])));
        var t = Headers(Text(d.TernClient.Call([.. argv])));
        Assert.Equal(r, t);
    }

    [Fact]
    public void InfoUnknownSectionIsEmpty()
    {
        d.Reset();
        d.Same("INFO", "nosuchsection");
        d.Same("INFO", "nosuchsection", "other");
        BothResp3(d);
        d.Same("INFO", "nosuchsection");
        var t = d.TernClient.Call("INFO", "cluster");
        Assert.Equal('=', t.Type);
        Assert.Equal("txt:# Cluster\r\ncluster_enabled:0\r\n", t.Text);
        d.Same("INFO", "cluster");
    }

    [Fact]
    public void InfoStatsSectionsAgreeAfterTheSameCommands()
    {
        d.Reset();
        d.Script("""
            CONFIG RESETSTAT
            SET a b
            GET a
            GET missing
            GET
            SET a
            INCR a
            NOSUCHCOMMAND x
            CONFIG SET timeout abc
            GET a
            """);
        var r = Text(d.RedisClient.Call("INFO", "commandstats"));
        var t = Text(d.TernClient.Call("INFO", "commandstats"));
        Assert.Equal(CommandStats(r), CommandStats(t));
        foreach (var line in t.Split("\r\n"))
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
                Assert.Matches(@"^cmdstat_[a-z|_-]+:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=\d+,failed_calls=\d+$", line);
        d.Same("INFO", "errorstats");
        var rs = Fields(Text(d.RedisClient.Call("INFO", "stats")));
        var ts = Fields(Text(d.TernClient.Call("INFO", "stats")));
        foreach (var name in new[] { "keyspace_hits", "keyspace_misses", "total_error_replies", "expired_keys", "rejected_connections" })
            Assert.True(rs[name] == ts[name], $"{name}: redis {rs[name]}, tern {ts[name]}");
        // The latency histograms cover the same commands as the call counts.
        var rl = LatencyNames(Text(d.RedisClient.Call("INFO", "latencystats")));
        var tl = LatencyNames(Text(d.TernClient.Call("INFO", "latencystats")));
        Assert.Equal(rl, tl);
        foreach (var line in Text(d.TernClient.Call("INFO", "latencystats")).Split("\r\n"))
            if (line.StartsWith("latency_", StringComparison.Ordinal))
                Assert.Matches(@"^latency_percentiles_usec_[a-z|]+:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$", line);
    }

    private static SortedDictionary<string, string> CommandStats(string text)
    {
        // name -> calls, rejected, failed (durations differ).
        var m = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in ParseInfo(text)[0].Fields)
        {
            var parts = value.Split(',');
            m[name] = parts[0] + "," + parts[3] + "," + parts[4];
        }
        return m;
    }

    private static SortedSet<string> LatencyNames(string text)
    {
        var s = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in ParseInfo(text)[0].Fields) s.Add(name);
        return s;
    }

    [Fact]
    public void InfoLatencyPercentilesFollowTheConfig()
    {
        d.Reset();
        d.Script("""
            CONFIG RESETSTAT
            SET a b
            CONFIG SET latency-tracking-info-percentiles "50.5 0 100"
            """);
        var rl = Text(d.RedisClient.Call("INFO", "latencystats"));
        var tl = Text(d.TernClient.Call("INFO", "latencystats"));
        Assert.Equal(LatencyNames(rl), LatencyNames(tl));
        Assert.Contains("latency_percentiles_usec_set:p50.5=", tl);
        Assert.Matches(@"latency_percentiles_usec_set:p50\.5=\d+\.\d{3},p0=\d+\.\d{3},p100=\d+\.\d{3}\r\n", tl);
        d.Script("""
            CONFIG SET latency-tracking-info-percentiles ""
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking no
            INFO latencystats
            CONFIG SET latency-tracking yes
            CONFIG SET latency-tracking-info-percentiles "50 99 99.9"
            """);
    }

    [Fact]
    public void InfoKeyspace()
    {
        d.Reset();
        d.Script("""
            SET a 1
            SET b 2 EX 1000
            SET c 3 PX 2000000
            SELECT 3
            SET z 1
            SELECT 0
            """);
        var r = ParseInfo(Text(d.RedisClient.Call("INFO", "keyspace")))[0].Fields;
        // avg_ttl is an estimate the expiry cycle refines: wait until Tern's has one.
        string? line = null;
        Wait.Until(() =>
        {
            var t = ParseInfo(Text(d.TernClient.Call("INFO", "keyspace")))[0].Fields;
            line = t[0].Value;
            return t.Count == 2 && !line.EndsWith("avg_ttl=0", StringComparison.Ordinal);
        }, "Tern's avg_ttl estimate");
        var tf = ParseInfo(Text(d.TernClient.Call("INFO", "keyspace")))[0].Fields;
        Assert.Equal(["db0", "db3"], [tf[0].Name, tf[1].Name]);
        Assert.Equal(r[0].Name, tf[0].Name);
        Assert.StartsWith("keys=3,expires=2,avg_ttl=", tf[0].Value);
        Assert.StartsWith("keys=3,expires=2,avg_ttl=", r[0].Value);
        Assert.Equal("keys=1,expires=0,avg_ttl=0", tf[1].Value);
        Assert.Equal(r[1].Value, tf[1].Value);
        long avg = long.Parse(tf[0].Value.Split("avg_ttl=")[1]);
        Assert.InRange(avg, 1, 2_000_000);
    }

    [Fact]
    public void InstantaneousOpsAreSampled()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        // Keep commands flowing until the sampled rate shows them (a broken sampler keeps it at 0).
        Wait.Until(() =>
        {
            for (int i = 0; i < 50; i++) c.Call("PING");
            var f = Fields(Text(c.Call("INFO", "stats")));
            return long.Parse(f["instantaneous_ops_per_sec"]) > 0 && double.Parse(f["instantaneous_input_kbps"], System.Globalization.CultureInfo.InvariantCulture) > 0;
        }, "instantaneous_ops_per_sec to move");
        var peak = Fields(Text(c.Call("INFO", "memory")));
        Assert.True(long.Parse(peak["used_memory_peak"]) >= long.Parse(peak["used_memory_startup"]));
    }

    // ---- CONFIG in INFO, RESETSTAT ----

    [Fact]
    public void ResetStatClearsCounters()
    {
        d.Reset();
        d.Script("""
            SET a b
            GET a
            GET nothing
            GET
            CONFIG RESETSTAT
            """);
        var r = Fields(Text(d.RedisClient.Call("INFO", "everything")));
        var t = Fields(Text(d.TernClient.Call("INFO", "everything")));
        foreach (var name in new[] { "keyspace_hits", "keyspace_misses", "total_error_replies", "total_connections_received", "rejected_connections", "expired_keys" })
            Assert.True(r[name] == t[name], $"{name}: redis {r[name]}, tern {t[name]}");
        Assert.InRange(long.Parse(t["total_commands_processed"]), 0, 2);
        Assert.DoesNotContain("cmdstat_get", t.Keys);
        Assert.DoesNotContain("errorstat_ERR", t.Keys);
        Assert.DoesNotContain("latency_percentiles_usec_get", t.Keys);
        Assert.Contains("cmdstat_config|resetstat", t.Keys);
        Assert.Contains("cmdstat_config|resetstat", r.Keys);
    }

    // ---- HELP texts ----

    [Theory]
    [InlineData("CONFIG")]
    [InlineData("config")]
    [InlineData("COMMAND")]
    [InlineData("SLOWLOG")]
    [InlineData("LATENCY")]
    [InlineData("MEMORY")]
    public void HelpTexts(string cmd)
    {
        d.Reset();
        d.Same(cmd, "HELP");
        d.Same(cmd, "help");
        d.Same(cmd, "HELP", "extra");
        d.Same(cmd, "NOSUCHSUBCOMMAND");
        d.Same(cmd, "NOSUCHSUBCOMMAND", "x");
        BothResp3(d);
        d.Same(cmd, "HELP");
    }

    // ---- COMMAND ----

    [Theory]
    [InlineData("get")]
    [InlineData("set")]
    [InlineData("mset")]
    [InlineData("expire")]
    [InlineData("config|get")]
    [InlineData("CONFIG|SET")]
    [InlineData("info")]
    [InlineData("shutdown")]
    [InlineData("memory|usage")]
    public void CommandInfoAndDocsMatchRedis(string name)
    {
        d.Reset();
        d.Same("COMMAND", "INFO", name);
        d.Same("COMMAND", "DOCS", name);
        d.Same("COMMAND", "INFO", name, "nosuchcommand", "get");
        d.Same("COMMAND", "DOCS", name, "nosuchcommand");
        BothResp3(d);
        d.Same("COMMAND", "INFO", name);
        d.Same("COMMAND", "DOCS", name);
        d.Same("COMMAND", "INFO", "nosuchcommand");
    }

    [Fact]
    public void CommandListsOnlyImplementedCommands()
    {
        d.Reset();
        var c = d.TernClient;
        long count = c.Call("COMMAND", "COUNT").Integer;
        var all = c.Call("COMMAND");
        Assert.Equal(count, all.Items!.Count);
        var list = new HashSet<string>();
        foreach (var n in c.Call("COMMAND", "LIST").Items!) list.Add(n.Text!);
        var top = new HashSet<string>();
        foreach (var n in list)
            if (!n.Contains('|')) top.Add(n);
        Assert.Equal(count, top.Count);
        foreach (var entry in all.Items) Assert.Contains(entry.Items![0].Text!, top);
        // Every listed command exists: called without arguments it answers something else than "unknown command".
        var unsafeToRun = new HashSet<string> { "quit", "reset", "shutdown", "flushall", "flushdb", "hello", "memory|purge" };
        foreach (var n in list)
        {
            if (unsafeToRun.Contains(n)) continue;
            var reply = c.Call([.. n.Split('|')]);
            if (reply.IsError) Assert.DoesNotContain("unknown command", reply.Text);
        }
    }

    [Fact]
    public void CommandListFilters()
    {
        d.Reset();
        SortedSet<string> Names(RespClient c, params object[] args)
        {
            var s = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var n in c.Call(args).Items!) s.Add(n.Text!);
            return s;
        }
        // Tern implements every CONFIG subcommand.
        Assert.Equal(Names(d.RedisClient, "COMMAND", "LIST", "FILTERBY", "PATTERN", "config*"),
                     Names(d.TernClient, "COMMAND", "LIST", "FILTERBY", "PATTERN", "config*"));
        Assert.Equal(Names(d.RedisClient, "COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|?E*"),
                     Names(d.TernClient, "COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|?E*"));
        var ternStrings = Names(d.TernClient, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "STRING");
        Assert.Contains("get", ternStrings);
        Assert.DoesNotContain("del", ternStrings);
        Assert.Subset(Names(d.RedisClient, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"), ternStrings);
        d.Script("""
            COMMAND LIST FILTERBY MODULE nosuchmodule
            COMMAND LIST FILTERBY ACLCAT nosuchcategory
            COMMAND LIST FILTERBY PATTERN nosuch*
            COMMAND LIST FILTERBY FOO bar
            COMMAND LIST FILTERBY PATTERN
            COMMAND LIST FILTERBY PATTERN a b
            COMMAND LIST FOO
            """);
    }

    [Fact]
    public void CommandGetKeys()
    {
        d.Reset();
        d.Script("""
            COMMAND GETKEYS SET a b
            COMMAND GETKEYS MSET a 1 b 2 c 3
            COMMAND GETKEYS DEL a b c
            COMMAND GETKEYS get A
            COMMAND GETKEYS memory usage k
            COMMAND GETKEYS MEMORY usage k SAMPLES 5
            COMMAND GETKEYSANDFLAGS SET a b
            COMMAND GETKEYSANDFLAGS SET a b GET
            COMMAND GETKEYSANDFLAGS SET a b get EX 10
            COMMAND GETKEYSANDFLAGS MSET a 1 b 2
            COMMAND GETKEYSANDFLAGS GETEX k PERSIST
            COMMAND GETKEYSANDFLAGS DEL a b
            COMMAND GETKEYSANDFLAGS EXPIRE a 10
            COMMAND GETKEYS MSET a
            COMMAND GETKEYS GET
            COMMAND GETKEYS GET a b
            COMMAND GETKEYS NOSUCHCOMMAND a
            COMMAND GETKEYS PING
            COMMAND GETKEYS CONFIG GET maxmemory
            COMMAND GETKEYS CONFIG
            COMMAND GETKEYS CONFIG NOSUCH
            COMMAND GETKEYS
            COMMAND GETKEYS SET
            """);
        BothResp3(d);
        d.Script("""
            COMMAND GETKEYSANDFLAGS SET a b GET
            COMMAND GETKEYSANDFLAGS MSET a 1 b 2
            COMMAND GETKEYS MSET a 1 b 2
            """);
    }

    // ---- SLOWLOG ----

    [Fact]
    public void SlowlogRecordsCommandsAsRedis()
    {
        d.Reset();
        d.Script("""
            CONFIG SET slowlog-log-slower-than 0
            CONFIG SET slowlog-max-len 128
            SLOWLOG RESET
            SET k v
            CLIENT SETNAME myclient
            GET k
            CONFIG SET requirepass ""
            AUTH secret
            AUTH user secret
            """);
        // Without requirepass any password is accepted; HELLO's reply carries the client id, so it is not compared.
        var (hr, ht) = d.Both("HELLO", "2", "AUTH", "default", "whatever");
        Assert.Equal(hr.Type, ht.Type);
        d.Same("SLOWLOG", "LEN");
        string longArg = new('x', 200);
        var many = new List<object> { "MSET" };
        for (int i = 0; i < 20; i++)
        {
            many.Add("k" + i);
            many.Add("v" + i);
        }
        d.Same("SET", "big", longArg);
        d.Same([.. many]);
        d.Same("SLOWLOG", "LEN");
        var r = d.RedisClient.Call("SLOWLOG", "GET", "-1");
        var t = d.TernClient.Call("SLOWLOG", "GET", "-1");
        Assert.Equal(r.Items!.Count, t.Items!.Count);
        for (int i = 0; i < r.Items.Count; i++)
        {
            var re = r.Items[i].Items!;
            var te = t.Items[i].Items!;
            Assert.Equal(6, te.Count);
            // Ids count up by one per entry (absolute ids depend on what each server logged before).
            Assert.Equal(long.Parse(re[0].Text!) - long.Parse(r.Items[^1].Items![0].Text!), long.Parse(te[0].Text!) - long.Parse(t.Items[^1].Items![0].Text!));
            Assert.Equal(re[3].Raw, te[3].Raw); // arguments, truncated and redacted alike
            Assert.Equal(re[5].Raw, te[5].Raw); // client name
            Assert.InRange(long.Parse(te[1].Text!), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
            Assert.InRange(long.Parse(te[2].Text!), 0, 60_000_000);
            Assert.Matches(@"^127\.0\.0\.1:\d+$", te[4].Text!);
        }
        d.Script("""
            CONFIG SET slowlog-log-slower-than -1
            SLOWLOG RESET
            GET k
            SLOWLOG LEN
            SLOWLOG GET
            CONFIG SET slowlog-log-slower-than 0
            CONFIG SET slowlog-max-len 2
            PING
            PING
            SLOWLOG LEN
            CONFIG SET slowlog-max-len 0
            SLOWLOG LEN
            SLOWLOG GET
            CONFIG SET slowlog-max-len 128
            CONFIG SET slowlog-log-slower-than 10000
            """);
    }

    [Fact]
    public void SlowlogEntriesWithResp3AndShapes()
    {
        d.Reset();
        d.Script("""
            CONFIG SET slowlog-log-slower-than 0
            SLOWLOG RESET
            SET a 1
            SLOWLOG GET 0
            SLOWLOG GET -2
            SLOWLOG GET abc
            SLOWLOG GET 1 2
            SLOWLOG GET 9223372036854775808
            SLOWLOG LEN x
            SLOWLOG RESET x
            SLOWLOG
            """);
        BothResp3(d);
        d.Script("""
            SLOWLOG GET 0
            SLOWLOG LEN
            CONFIG SET slowlog-log-slower-than 10000
            """);
    }

    // ---- LATENCY ----

    [Fact]
    public void LatencyWithoutEvents()
    {
        d.Reset();
        d.Script("""
            LATENCY RESET
            LATENCY LATEST
            LATENCY HISTORY command
            LATENCY RESET command fast-command
            LATENCY GRAPH command
            LATENCY DOCTOR
            LATENCY HISTORY
            LATENCY LATEST x
            LATENCY HISTOGRAM nosuchcommand
            """);
        BothResp3(d);
        d.Script("""
            LATENCY LATEST
            LATENCY DOCTOR
            LATENCY HISTOGRAM nosuchcommand
            """);
    }

    [Fact]
    public void LatencyHistogramCountsCalls()
    {
        d.Reset();
        d.Script("""
            CONFIG RESETSTAT
            SET a 1
            SET a 2
            GET a
            CONFIG GET timeout
            """);
        foreach (var proto in new[] { 2, 3 })
        {
            if (proto == 3) BothResp3(d);
            var r = d.RedisClient.Call("LATENCY", "HISTOGRAM", "set", "GET", "config", "nosuch");
            var t = d.TernClient.Call("LATENCY", "HISTOGRAM", "set", "GET", "config", "nosuch");
            Assert.Equal(r.Type, t.Type);
            var rm = Histograms(r);
            var tm = Histograms(t);
            Assert.Equal(rm.Keys, tm.Keys);
            foreach (var (name, (calls, buckets)) in tm)
            {
                Assert.Equal(rm[name].Calls, calls);
                Assert.NotEmpty(buckets);
                Assert.Equal(calls, buckets[^1].Cumulative);
                for (int i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Usec > buckets[i - 1].Usec);
                    Assert.True(buckets[i].Cumulative > buckets[i - 1].Cumulative);
                }
            }
        }
        // With no argument: every command with a histogram.
        var all = Histograms(d.TernClient.Call("LATENCY", "HISTOGRAM"));
        Assert.Contains("set", all.Keys);
        Assert.Contains("config|get", all.Keys);
        Assert.Contains("latency|histogram", all.Keys);
    }

    private static SortedDictionary<string, (long Calls, List<(long Usec, long Cumulative)> Buckets)> Histograms(RespReply r)
    {
        var m = new SortedDictionary<string, (long, List<(long, long)>)>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < r.Items!.Count; i += 2)
        {
            var body = r.Items[i + 1].Items!;
            Assert.Equal("calls", body[0].Text);
            Assert.Equal("histogram_usec", body[2].Text);
            var buckets = new List<(long, long)>();
            var h = body[3].Items!;
            for (int j = 0; j + 1 < h.Count; j += 2) buckets.Add((long.Parse(h[j].Text!), long.Parse(h[j + 1].Text!)));
            m[r.Items[i].Text!] = (long.Parse(body[1].Text!), buckets);
        }
        return m;
    }

    [Fact]
    public void LatencyMonitorRecordsSlowCommandsInTern()
    {
        using var host = new TernHost();
        var mon = host.Server.Metrics.LatencyMonitor;
        using var c = host.Connect();
        Assert.Equal(":0\r\n", c.Call("LATENCY", "RESET").ToString());
        mon.AddSample("command", 30);
        mon.AddSample("fast-command", 3);
        var latest = c.Call("LATENCY", "LATEST").Items!;
        Assert.Equal(2, latest.Count);
        Assert.Equal("command", latest[0].Items![0].Text);
        Assert.Equal("30", latest[0].Items![2].Text);
        Assert.Equal("30", latest[0].Items![3].Text);
        var history = c.Call("LATENCY", "HISTORY", "command").Items!;
        Assert.Single(history);
        Assert.Equal("30", history[0].Items![1].Text);
        var graph = Text(c.Call("LATENCY", "GRAPH", "command"));
        Assert.StartsWith("command - high 30 ms, low 30 ms (all time high 30 ms)\n" + new string('-', 80) + "\n", graph);
        var doctor = Text(c.Call("LATENCY", "DOCTOR"));
        Assert.StartsWith("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n1. command: 1 latency spikes (average 30ms, mean deviation 0ms, period ", doctor);
        Assert.Contains("2. fast-command: 1 latency spikes (average 3ms", doctor);
        Assert.Contains("I have a few advices for you:", doctor);
        Assert.Equal(":1\r\n", c.Call("LATENCY", "RESET", "COMMAND", "nosuch").ToString());
        Assert.Equal(":1\r\n", c.Call("LATENCY", "RESET").ToString());
        // The threshold gate: a command slower than 0 ms with the monitor off records nothing.
        c.Call("CONFIG", "SET", "latency-monitor-threshold", "0");
        c.Call("SET", "a", "b");
        Assert.Equal("*0\r\n", c.Call("LATENCY", "LATEST").ToString());
    }

    private static int RedisTime(RespClient c) => int.Parse(c.Call("TIME").Items![0].Text!);

    [Fact]
    public void LatencyGraphAndDoctorDrawRedisSamplesAsRedis()
    {
        d.Reset();
        var rc = d.RedisClient;
        rc.Call("LATENCY", "RESET");
        rc.Call("CONFIG", "SET", "latency-monitor-threshold", "1");
        try
        {
            // Three slow commands in three different seconds give Redis three samples.
            foreach (var secs in new[] { "0.012", "0.035", "0.02" })
            {
                int start = RedisTime(rc);
                rc.Call("DEBUG", "SLEEP", secs);
                Wait.Until(() => RedisTime(rc) > start, "the next second");
            }
        }
        finally
        {
            rc.Call("CONFIG", "SET", "latency-monitor-threshold", "0");
        }
        try
        {
            var history = new List<(int, uint)>();
            foreach (var e in rc.Call("LATENCY", "HISTORY", "command").Items!)
                history.Add((int.Parse(e.Items![0].Text!), uint.Parse(e.Items[1].Text!)));
            Assert.Equal(3, history.Count);
            uint max = uint.Parse(rc.Call("LATENCY", "LATEST").Items![0].Items![3].Text!);
            string graph = Text(rc.Call("LATENCY", "GRAPH", "command"));
            string doctor = Text(rc.Call("LATENCY", "DOCTOR"));
            int now = RedisTime(rc);
            // Redis drew them at "now" or, if the second turned meanwhile, one second before.
            Assert.Contains(graph, new[] { LatencyMonitor.RenderGraph("command", history, max, now), LatencyMonitor.RenderGraph("command", history, max, now - 1) });

            using var host = new TernHost();
            var mon = host.Server.Metrics.LatencyMonitor;
            foreach (var (t, l) in history) mon.AddSampleAt("command", t, l);
            // Transparent huge pages are a property of each process: leave that advice out of the comparison.
            static string NoThp(string s) => string.Join("\n", Array.FindAll(s.Split('\n'), l => !l.Contains("anonymous huge pages", StringComparison.Ordinal)));
            Assert.Contains(NoThp(doctor), new[] { NoThp(mon.Doctor(now)), NoThp(mon.Doctor(now - 1)) });
        }
        finally
        {
            rc.Call("LATENCY", "RESET");
            rc.Call("SLOWLOG", "RESET");
        }
    }

    // ---- MEMORY ----

    [Fact]
    public void MemoryCommands()
    {
        d.Reset();
        d.Script("""
            SET k hello
            MEMORY USAGE missing
            MEMORY USAGE k SAMPLES abc
            MEMORY USAGE k SAMPLES -1
            MEMORY USAGE k SAMPLES
            MEMORY USAGE k FOO
            MEMORY USAGE
            MEMORY STATS x
            MEMORY PURGE
            MEMORY DOCTOR x
            """);
        BothResp3(d);
        d.Same("MEMORY", "USAGE", "missing");
        long usage = d.TernClient.Call("MEMORY", "USAGE", "k").Integer;
        Assert.InRange(usage, 10, 200);
        Assert.Equal(usage, d.TernClient.Call("MEMORY", "USAGE", "k", "SAMPLES", "0").Integer);
        // MEMORY STATS: the same fields as Redis, in the same order.
        foreach (var proto in new[] { 3, 2 })
        {
            if (proto == 2) d.Both("HELLO", "2");
            var r = d.RedisClient.Call("MEMORY", "STATS");
            var t = d.TernClient.Call("MEMORY", "STATS");
            Assert.Equal(r.Type, t.Type);
            var rn = new List<string>();
            var tn = new List<string>();
            for (int i = 0; i < r.Items!.Count; i += 2) rn.Add(r.Items[i].Text!);
            for (int i = 0; i < t.Items!.Count; i += 2) tn.Add(t.Items[i].Text!);
            Assert.Equal(rn, tn);
            Assert.Equal(r.Items[r.Items.Count - 1].Type, t.Items[t.Items.Count - 1].Type);
        }
        var doctor = Text(d.TernClient.Call("MEMORY", "DOCTOR"));
        Assert.Matches("^(Hi Sam|Sam, I detected)", doctor);
        Assert.Contains("dotnet", Text(d.TernClient.Call("MEMORY", "MALLOC-STATS")));
    }

    // ---- SHUTDOWN ----

    [Fact]
    public void ShutdownErrorsAsRedis()
    {
        d.Reset();
        d.Script("""
            SHUTDOWN ABORT
            SHUTDOWN FOO
            SHUTDOWN NOSAVE SAVE
            SHUTDOWN ABORT NOW
            SHUTDOWN NOSAVE ABORT
            """);
    }

    [Fact]
    public void ShutdownSaveFailsWhenTheFileCannotBeWrittenAndNosaveStops()
    {
        // /proc takes no files: the save fails, so SHUTDOWN SAVE refuses to stop (as Redis).
        using var host = new TernHost("--dir", "/proc");
        using var c = host.Connect();
        Assert.Equal("-ERR Errors trying to SHUTDOWN. Check logs.", c.Call("SHUTDOWN", "SAVE").Text);
        Assert.Equal("+PONG", c.Call("PING").Text);
        Assert.False(host.Server.Stopped.IsCompleted);
        c.Send("SHUTDOWN", "NOSAVE");
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(30)));
        Wait.Until(() => host.Server.Stopped.IsCompleted, "the server to stop");
        Assert.Throws<System.Net.Sockets.SocketException>(() => new RespClient(host.Port));
    }

    [Fact]
    public void ShutdownSaveForceExitsAnyway()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        c.Send("SHUTDOWN", "SAVE", "FORCE");
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(30)));
        Wait.Until(() => host.Server.Stopped.IsCompleted, "the server to stop");
    }

    [Fact]
    public void PlainShutdownStopsWhenNothingIsToBeSaved()
    {
        using var host = new TernHost();
        using var c = host.Connect();
        c.Send("SHUTDOWN");
        Assert.True(c.IsClosedByServer(TimeSpan.FromSeconds(30)));
        Wait.Until(() => host.Server.Stopped.IsCompleted, "the server to stop");
    }
}
