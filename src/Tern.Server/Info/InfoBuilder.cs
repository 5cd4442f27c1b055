using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Tern.Server.Commands;

namespace Tern.Server.Info;

/// <summary>
/// INFO's text, section by section, with Redis 7.0's field names in Redis's order; every INFO field name Tern
/// prints is spelled here. Section selection follows Redis: no argument means the default sections, "default"
/// adds them, "all" and "everything" print every section, other words name sections (any case), unknown ones
/// print nothing, and sections always come out in Redis's order.
/// Fields whose Redis meaning does not exist in Tern carry the value that is true for Tern (0 forks, no Lua
/// memory ...); a few counters Tern does not keep are left out (see <see cref="OmittedFields"/>).
/// </summary>
public static class InfoBuilder
{
    /// <summary>The sections of INFO with no argument (and of "default"); "module_list" is Redis's name for the modules list.</summary>
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"];

    /// <summary>
    /// Redis 7.0 fields Tern leaves out of INFO everything, each with the reason. Kept short on purpose.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> OmittedFields = new Dictionary<string, string>
    {
        ["total_reads_processed"] = "connections do not count their socket reads",
        ["total_writes_processed"] = "connections do not count their socket writes",
        ["reply_buffer_shrinks"] = "reply buffers are pooled, not resized per client",
        ["reply_buffer_expands"] = "reply buffers are pooled, not resized per client",
        ["used_cpu_sys_main_thread"] = "there is no main thread: commands run on many threads",
        ["used_cpu_user_main_thread"] = "there is no main thread: commands run on many threads",
    };

    private static readonly string TernVersion =
        typeof(TernServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(TernServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static readonly string BuildId = typeof(TernServer).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..16];

    /// <summary>Builds the reply of INFO with the given arguments.</summary>
    public static string Build(TernServer server, IReadOnlyList<string> args)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool all = false;
        if (args.Count == 0) wanted.UnionWith(DefaultSections);
        foreach (var a in args)
        {
            if (a.Equals("default", StringComparison.OrdinalIgnoreCase)) wanted.UnionWith(DefaultSections);
            else if (a.Equals("all", StringComparison.OrdinalIgnoreCase) || a.Equals("everything", StringComparison.OrdinalIgnoreCase)) all = true;
            else wanted.Add(a);
        }
        var w = new InfoWriter();
        if (all || wanted.Contains("server")) Server(server, w);
        if (all || wanted.Contains("clients")) Clients(server, w);
        if (all || wanted.Contains("memory")) Memory(server, w);
        if (all || wanted.Contains("persistence")) Persistence(server, w);
        if (all || wanted.Contains("stats")) Stats(server, w);
        if (all || wanted.Contains("replication")) Replication(server, w);
        if (all || wanted.Contains("cpu")) Cpu(w);
        if (all || wanted.Contains("module_list") || wanted.Contains("modules")) w.Section("Modules");
        if (all || wanted.Contains("commandstats")) CommandStats(server, w);
        if (all || wanted.Contains("errorstats")) ErrorStats(server, w);
        if (all || wanted.Contains("latencystats")) LatencyStats(server, w);
        if (all || wanted.Contains("cluster")) Cluster(w);
        if (all || wanted.Contains("keyspace")) Keyspace(server, w);
        return w.ToString();
    }

    /// <summary>Appends "name:value\r\n" lines, with a blank line between sections.</summary>
    private sealed class InfoWriter
    {
        private readonly StringBuilder _sb = new(4096);

        public void Section(string title)
        {
            if (_sb.Length > 0) _sb.Append("\r\n");
            _sb.Append("# ").Append(title).Append("\r\n");
        }

        public void Field(string name, string value) => _sb.Append(name).Append(':').Append(value).Append("\r\n");

        public void Field(string name, long value) => Field(name, value.ToString(CultureInfo.InvariantCulture));

        /// <summary>A "%.2f" figure.</summary>
        public void Fixed2(string name, double value) => Field(name, value.ToString("F2", CultureInfo.InvariantCulture));

        public void Line(string line) => _sb.Append(line).Append("\r\n");

        public override string ToString() => _sb.ToString();
    }

    /// <summary>Replaces the characters that would break INFO's format ('#', ':', CR, LF) by '_', as Redis.</summary>
    private static string Safe(string s) =>
        s.AsSpan().IndexOfAny("#:\r\n") < 0 ? s : s.Replace('#', '_').Replace(':', '_').Replace('\r', '_').Replace('\n', '_');

    private static string OsName()
    {
        // Redis prints uname's sysname, release and machine.
        string release = "";
        try
        {
            if (File.Exists("/proc/sys/kernel/osrelease")) release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
        }
        string sys = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsFreeBSD() ? "FreeBSD" : "Unknown";
        if (release.Length == 0) release = Environment.OSVersion.Version.ToString();
        string machine = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            Architecture.X86 => "i686",
            Architecture.Arm => "armv7l",
            var a => a.ToString().ToLowerInvariant(),
        };
        return $"{sys} {release} {machine}";
    }

    private static readonly Lazy<string> Os = new(OsName);

    private static void Server(TernServer s, InfoWriter w)
    {
        long nowMs = Storage.Clock.UnixMs();
        long uptime = (nowMs - s.StartedMs) / 1000;
        w.Section("Server");
        w.Field("redis_version", CommandTable.RedisVersion);
        w.Field("tern_version", TernVersion);
        w.Field("redis_git_sha1", "00000000");
        w.Field("redis_git_dirty", 0);
        w.Field("redis_build_id", BuildId);
        w.Field("redis_mode", "standalone");
        w.Field("os", Os.Value);
        w.Field("arch_bits", IntPtr.Size * 8);
        // .NET's Stopwatch reads clock_gettime(CLOCK_MONOTONIC) on Unix.
        w.Field("monotonic_clock", OperatingSystem.IsWindows() ? "QueryPerformanceCounter" : "POSIX clock_gettime");
        // .NET's socket engine: epoll on Linux, kqueue on BSDs and macOS, IOCP on Windows.
        w.Field("multiplexing_api", OperatingSystem.IsLinux() ? "epoll" : OperatingSystem.IsWindows() ? "iocp" : "kqueue");
        w.Field("atomicvar_api", "dotnet-interlocked");
        // Not built with GCC: Redis prints 0.0.0 in that case too.
        w.Field("gcc_version", "0.0.0");
        w.Field("process_id", Environment.ProcessId);
        w.Field("process_supervised", "no");
        w.Field("run_id", s.RunId);
        w.Field("tcp_port", s.Port);
        w.Field("server_time_usec", Storage.Clock.UnixMicros());
        w.Field("uptime_in_seconds", uptime);
        w.Field("uptime_in_days", uptime / (3600 * 24));
        w.Field("hz", s.Config.Hz);
        w.Field("configured_hz", s.Config.Hz);
        w.Field("lru_clock", Storage.LruClock.Now);
        w.Field("executable", Environment.ProcessPath ?? "");
        w.Field("config_file", s.Config.ConfigFile ?? "");
        // Socket reads and writes run on many threads, which is what Redis's I/O threads do.
        w.Field("io_threads_active", 1);
    }

    private static void Clients(TernServer s, InfoWriter w)
    {
        var (maxIn, maxOut) = s.Metrics.RecentMaxBuffers();
        int replicas = 0;
        foreach (var c in s.Clients.Snapshot())
            if (c.Client.IsReplica) replicas++;
        w.Section("Clients");
        w.Field("connected_clients", s.Clients.Count - replicas);
        w.Field("cluster_connections", 0);
        w.Field("maxclients", s.Config.MaxClients);
        w.Field("client_recent_max_input_buffer", maxIn);
        w.Field("client_recent_max_output_buffer", maxOut);
        // No blocking commands, client tracking or timeouts on blocked clients yet.
        w.Field("blocked_clients", s.Clients.BlockedCount);
        w.Field("tracking_clients", 0);
        w.Field("clients_in_timeout_table", 0);
    }

    private static void Memory(TernServer s, InfoWriter w)
    {
        var m = MemoryFigures.Collect(s);
        w.Section("Memory");
        w.Field("used_memory", m.Used);
        w.Field("used_memory_human", MemoryFigures.Human(m.Used));
        w.Field("used_memory_rss", m.Rss);
        w.Field("used_memory_rss_human", MemoryFigures.Human(m.Rss));
        w.Field("used_memory_peak", m.Peak);
        w.Field("used_memory_peak_human", MemoryFigures.Human(m.Peak));
        w.Field("used_memory_peak_perc", m.PeakPerc.ToString("F2", CultureInfo.InvariantCulture) + "%");
        w.Field("used_memory_overhead", m.Overhead);
        w.Field("used_memory_startup", m.Startup);
        w.Field("used_memory_dataset", m.Dataset);
        w.Field("used_memory_dataset_perc", m.DatasetPerc.ToString("F2", CultureInfo.InvariantCulture) + "%");
        w.Field("allocator_allocated", m.AllocatorAllocated);
        w.Field("allocator_active", m.AllocatorActive);
        w.Field("allocator_resident", m.AllocatorResident);
        w.Field("total_system_memory", m.TotalSystem);
        w.Field("total_system_memory_human", MemoryFigures.Human(m.TotalSystem));
        // No Lua and no functions in Tern: their engines use no memory.
        w.Field("used_memory_lua", 0);
        w.Field("used_memory_vm_eval", 0);
        w.Field("used_memory_lua_human", MemoryFigures.Human(0));
        w.Field("used_memory_scripts_eval", 0);
        w.Field("number_of_cached_scripts", 0);
        w.Field("number_of_functions", 0);
        w.Field("number_of_libraries", 0);
        w.Field("used_memory_vm_functions", 0);
        w.Field("used_memory_vm_total", 0);
        w.Field("used_memory_vm_total_human", MemoryFigures.Human(0));
        w.Field("used_memory_functions", 0);
        w.Field("used_memory_scripts", 0);
        w.Field("used_memory_scripts_human", MemoryFigures.Human(0));
        w.Field("maxmemory", s.Config.MaxMemory);
        w.Field("maxmemory_human", MemoryFigures.Human(s.Config.MaxMemory));
        w.Field("maxmemory_policy", s.Config.MaxMemoryPolicy);
        w.Fixed2("allocator_frag_ratio", m.AllocatorFrag);
        w.Field("allocator_frag_bytes", m.AllocatorFragBytes);
        w.Fixed2("allocator_rss_ratio", m.AllocatorRss);
        w.Field("allocator_rss_bytes", m.AllocatorRssBytes);
        w.Fixed2("rss_overhead_ratio", m.RssOverhead);
        w.Field("rss_overhead_bytes", m.RssOverheadBytes);
        w.Fixed2("mem_fragmentation_ratio", m.Fragmentation);
        w.Field("mem_fragmentation_bytes", m.FragmentationBytes);
        w.Field("mem_not_counted_for_evict", 0);
        // No replication backlog, replicas, cluster links or AOF buffer yet.
        w.Field("mem_replication_backlog", 0);
        w.Field("mem_total_replication_buffers", 0);
        w.Field("mem_clients_slaves", 0);
        w.Field("mem_clients_normal", m.ClientsNormal);
        w.Field("mem_cluster_links", 0);
        w.Field("mem_aof_buffer", 0);
        w.Field("mem_allocator", MemoryFigures.AllocatorName);
        // The GC compacts the heap itself; nothing is freed lazily in the background.
        w.Field("active_defrag_running", 0);
        w.Field("lazyfree_pending_objects", 0);
        w.Field("lazyfreed_objects", 0);
    }

    private static void Persistence(TernServer s, InfoWriter w)
    {
        w.Section("Persistence");
        PersistenceInfo.Write(s, w.Field);
    }

    private static void Stats(TernServer s, InfoWriter w)
    {
        long hits = 0, misses = 0, expired = 0;
        foreach (var sh in s.Keyspace.Shards)
        {
            hits += sh.Hits;
            misses += sh.Misses;
            expired += sh.ExpiredKeys;
        }
        var st = s.Stats;
        var mt = s.Metrics;
        w.Section("Stats");
        w.Field("total_connections_received", st.ConnectionsReceived);
        w.Field("total_commands_processed", st.TotalCommands);
        w.Field("instantaneous_ops_per_sec", mt.Instantaneous(ServerMetrics.MetricCommands));
        w.Field("total_net_input_bytes", Interlocked.Read(ref st.NetInputBytes));
        w.Field("total_net_output_bytes", Interlocked.Read(ref st.NetOutputBytes));
        w.Field("total_net_repl_input_bytes", 0);
        w.Field("total_net_repl_output_bytes", 0);
        // Redis divides as a float before printing "%.2f".
        w.Fixed2("instantaneous_input_kbps", (float)mt.Instantaneous(ServerMetrics.MetricNetInput) / 1024);
        w.Fixed2("instantaneous_output_kbps", (float)mt.Instantaneous(ServerMetrics.MetricNetOutput) / 1024);
        w.Fixed2("instantaneous_input_repl_kbps", (float)mt.Instantaneous(ServerMetrics.MetricNetReplInput) / 1024);
        w.Fixed2("instantaneous_output_repl_kbps", (float)mt.Instantaneous(ServerMetrics.MetricNetReplOutput) / 1024);
        w.Field("rejected_connections", st.RejectedConnections);
        w.Field("sync_full", 0);
        w.Field("sync_partial_ok", 0);
        w.Field("sync_partial_err", 0);
        w.Field("expired_keys", expired);
        w.Fixed2("expired_stale_perc", mt.ExpiredStalePerc * 100);
        // The active expiry cycle has no time cap.
        w.Field("expired_time_cap_reached_count", 0);
        w.Field("expire_cycle_cpu_milliseconds", mt.ExpireCycleMs);
        // No maxmemory, so no eviction of keys or clients.
        w.Field("evicted_keys", 0);
        w.Field("evicted_clients", 0);
        w.Field("total_eviction_exceeded_time", 0);
        w.Field("current_eviction_exceeded_time", 0);
        w.Field("keyspace_hits", hits);
        w.Field("keyspace_misses", misses);
        w.Field("pubsub_channels", s.PubSub.ChannelCount);
        w.Field("pubsub_patterns", s.PubSub.PatternCount);
        w.Field("pubsubshard_channels", s.PubSub.ShardChannelCount);
        // Tern never forks.
        w.Field("latest_fork_usec", 0);
        w.Field("total_forks", 0);
        w.Field("migrate_cached_sockets", 0);
        w.Field("slave_expires_tracked_keys", 0);
        w.Field("active_defrag_hits", 0);
        w.Field("active_defrag_misses", 0);
        w.Field("active_defrag_key_hits", 0);
        w.Field("active_defrag_key_misses", 0);
        w.Field("total_active_defrag_time", 0);
        w.Field("current_active_defrag_time", 0);
        w.Field("tracking_total_keys", 0);
        w.Field("tracking_total_items", 0);
        w.Field("tracking_total_prefixes", 0);
        w.Field("unexpected_error_replies", 0);
        w.Field("total_error_replies", st.TotalErrorReplies);
        w.Field("dump_payload_sanitizations", 0);
        w.Field("io_threaded_reads_processed", 0);
        w.Field("io_threaded_writes_processed", 0);
    }

    private static void Replication(TernServer s, InfoWriter w)
    {
        w.Section("Replication");
        w.Field("role", "master");
        w.Field("connected_slaves", 0);
        w.Field("master_failover_state", "no-failover");
        w.Field("master_replid", s.RunId);
        w.Field("master_replid2", "0000000000000000000000000000000000000000");
        w.Field("master_repl_offset", 0);
        w.Field("second_repl_offset", -1);
        w.Field("repl_backlog_active", 0);
        w.Field("repl_backlog_size", s.Config.ReplBacklogSize);
        w.Field("repl_backlog_first_byte_offset", 0);
        w.Field("repl_backlog_histlen", 0);
    }

    private static string Seconds(TimeSpan t)
    {
        // "%ld.%06ld" of a timeval.
        long us = t.Ticks / 10;
        return (us / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (us % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static void Cpu(InfoWriter w)
    {
        using var p = Process.GetCurrentProcess();
        w.Section("CPU");
        w.Field("used_cpu_sys", Seconds(p.PrivilegedProcessorTime));
        w.Field("used_cpu_user", Seconds(p.UserProcessorTime));
        // Tern starts no child processes.
        w.Field("used_cpu_sys_children", "0.000000");
        w.Field("used_cpu_user_children", "0.000000");
    }

    private static void CommandStats(TernServer s, InfoWriter w)
    {
        w.Section("Commandstats");
        foreach (var c in s.Commands.All)
        {
            var (calls, usec, rejected, failed) = s.Stats.Command(c.Id);
            if (calls == 0 && rejected == 0 && failed == 0) continue;
            // Redis computes usec_per_call as a float.
            float per = calls == 0 ? 0 : (float)usec / calls;
            w.Line($"cmdstat_{Safe(c.FullName)}:calls={calls},usec={usec},usec_per_call={((double)per).ToString("F2", CultureInfo.InvariantCulture)},rejected_calls={rejected},failed_calls={failed}");
        }
    }

    private static void ErrorStats(TernServer s, InfoWriter w)
    {
        w.Section("Errorstats");
        foreach (var (k, v) in s.Stats.ErrorCounts())
            w.Line($"errorstat_{Safe(k)}:count={v}");
    }

    private static void LatencyStats(TernServer s, InfoWriter w)
    {
        w.Section("Latencystats");
        if (!s.Config.LatencyTracking) return;
        var percentiles = s.Config.LatencyTrackingPercentiles;
        var sb = new StringBuilder();
        foreach (var c in s.Commands.All)
        {
            var h = s.Metrics.Latency.Histogram(c.Id);
            if (h == null) continue;
            sb.Clear();
            sb.Append("latency_percentiles_usec_").Append(Safe(c.FullName)).Append(':');
            for (int j = 0; j < percentiles.Length; j++)
            {
                if (j > 0) sb.Append(',');
                double v = h.ValueAtPercentile(percentiles[j]) / 1000.0;
                sb.Append('p').Append(Configuration.ServerConfig.FormatPercentile(percentiles[j])).Append('=')
                  .Append(v.ToString("F3", CultureInfo.InvariantCulture));
            }
            w.Line(sb.ToString());
        }
    }

    private static void Cluster(InfoWriter w)
    {
        w.Section("Cluster");
        w.Field("cluster_enabled", 0);
    }

    private static void Keyspace(TernServer s, InfoWriter w)
    {
        w.Section("Keyspace");
        for (int db = 0; db < s.Keyspace.Databases; db++)
        {
            long keys = s.Keyspace.DbSize(db);
            long expires = s.Keyspace.ExpiresCount(db);
            if (keys == 0 && expires == 0) continue;
            w.Line($"db{db}:keys={keys},expires={expires},avg_ttl={s.Metrics.AvgTtl(db)}");
        }
    }
}
