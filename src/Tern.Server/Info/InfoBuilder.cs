using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Tern.Server.Commands;

namespace Tern.Server.Info;

/// <summary>
/// INFO's text, section by section, with Redis 7.0's field names and order. "default" (no argument) gives
/// the default sections; "all" adds commandstats, errorstats and latencystats; "everything" adds the rest.
/// </summary>
public static class InfoBuilder
{
    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"];
    private static readonly string[] AllSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"];

    public static string Build(TernServer server, List<string> requested)
    {
        var wanted = new List<string>();
        if (requested.Count == 0) wanted.AddRange(DefaultSections);
        foreach (var r in requested)
        {
            if (r == "default") AddAll(wanted, DefaultSections);
            else if (r == "all" || r == "everything") AddAll(wanted, AllSections);
            else if (!wanted.Contains(r)) wanted.Add(r);
        }
        // Sections print in Redis's order whatever order they were asked in.
        var ordered = new List<string>();
        foreach (var s in AllSections) if (wanted.Contains(s)) ordered.Add(s);
        var sb = new StringBuilder();
        foreach (var s in ordered)
        {
            int before = sb.Length;
            if (sb.Length > 0) sb.Append("\r\n");
            if (!Section(server, s, sb)) sb.Length = before;
        }
        return sb.ToString();
    }

    private static void AddAll(List<string> l, string[] add)
    {
        foreach (var a in add) if (!l.Contains(a)) l.Add(a);
    }

    private static void Field(StringBuilder sb, string name, object value) => sb.Append(name).Append(':').Append(value).Append("\r\n");

    private static bool Section(TernServer server, string name, StringBuilder sb)
    {
        switch (name)
        {
            case "server": Server(server, sb); return true;
            case "clients": Clients(server, sb); return true;
            case "memory": Memory(server, sb); return true;
            case "persistence": Persistence(server, sb); return true;
            case "stats": Stats(server, sb); return true;
            case "replication": Replication(server, sb); return true;
            case "cpu": Cpu(sb); return true;
            case "modules": sb.Append("# Modules\r\n"); return true;
            case "commandstats": CommandStats(server, sb); return true;
            case "errorstats": ErrorStats(server, sb); return true;
            case "latencystats": sb.Append("# Latencystats\r\n"); return true;
            case "cluster": sb.Append("# Cluster\r\n"); Field(sb, "cluster_enabled", 0); return true;
            case "keyspace": Keyspace(server, sb); return true;
            default: return false;
        }
    }

    private static void Server(TernServer s, StringBuilder sb)
    {
        long uptime = (Storage.Clock.UnixMs() - s.StartedMs) / 1000;
        sb.Append("# Server\r\n");
        Field(sb, "redis_version", CommandTable.RedisVersion);
        Field(sb, "tern_version", typeof(TernServer).Assembly.GetName().Version?.ToString(3) ?? "0.1.0");
        Field(sb, "redis_git_sha1", "00000000");
        Field(sb, "redis_git_dirty", 0);
        Field(sb, "redis_build_id", "0");
        Field(sb, "redis_mode", "standalone");
        Field(sb, "os", $"{RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}".ToLowerInvariant().Replace("x64", "x86_64"));
        Field(sb, "arch_bits", IntPtr.Size * 8);
        Field(sb, "monotonic_clock", "POSIX clock_gettime");
        Field(sb, "multiplexing_api", "epoll");
        Field(sb, "atomicvar_api", "c11-builtin");
        Field(sb, "gcc_version", "0.0.0");
        Field(sb, "process_id", Environment.ProcessId);
        Field(sb, "process_supervised", "no");
        Field(sb, "run_id", s.RunId);
        Field(sb, "tcp_port", s.Port);
        Field(sb, "server_time_usec", Storage.Clock.UnixMicros());
        Field(sb, "uptime_in_seconds", uptime);
        Field(sb, "uptime_in_days", uptime / 86400);
        Field(sb, "hz", s.Config.Hz);
        Field(sb, "configured_hz", s.Config.Hz);
        Field(sb, "lru_clock", Storage.LruClock.Now);
        Field(sb, "executable", Environment.ProcessPath ?? "");
        Field(sb, "config_file", s.Config.ConfigFile == null ? "" : Path.GetFullPath(s.Config.ConfigFile));
        Field(sb, "io_threads_active", 0);
    }

    private static void Clients(TernServer s, StringBuilder sb)
    {
        sb.Append("# Clients\r\n");
        Field(sb, "connected_clients", s.Clients.Count);
        Field(sb, "cluster_connections", 0);
        Field(sb, "maxclients", s.Config.MaxClients);
        Field(sb, "client_recent_max_input_buffer", 0);
        Field(sb, "client_recent_max_output_buffer", 0);
        Field(sb, "blocked_clients", 0);
        Field(sb, "tracking_clients", 0);
        Field(sb, "clients_in_timeout_table", 0);
    }

    private static string Human(long bytes)
    {
        if (bytes < 1024) return bytes + "B";
        if (bytes < 1024 * 1024) return (bytes / 1024.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "K";
        if (bytes < 1024L * 1024 * 1024) return (bytes / 1048576.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "M";
        return (bytes / 1073741824.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "G";
    }

    private static void Memory(TernServer s, StringBuilder sb)
    {
        long used = GC.GetTotalMemory(false);
        long rss = Process.GetCurrentProcess().WorkingSet64;
        sb.Append("# Memory\r\n");
        Field(sb, "used_memory", used);
        Field(sb, "used_memory_human", Human(used));
        Field(sb, "used_memory_rss", rss);
        Field(sb, "used_memory_rss_human", Human(rss));
        Field(sb, "maxmemory", s.Config.MaxMemory);
        Field(sb, "maxmemory_human", Human(s.Config.MaxMemory));
        Field(sb, "maxmemory_policy", s.Config.MaxMemoryPolicy);
        Field(sb, "mem_fragmentation_ratio", used > 0 ? ((double)rss / used).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "0.00");
        Field(sb, "mem_allocator", "dotnet-gc");
    }

    private static void Persistence(TernServer s, StringBuilder sb)
    {
        sb.Append("# Persistence\r\n");
        Field(sb, "loading", s.Loading ? 1 : 0);
        Field(sb, "async_loading", 0);
        Field(sb, "rdb_changes_since_last_save", s.Stats.Dirty);
        Field(sb, "aof_enabled", 0);
    }

    private static void Stats(TernServer s, StringBuilder sb)
    {
        long hits = 0, misses = 0, expired = 0;
        foreach (var sh in s.Keyspace.Shards)
        {
            hits += sh.Hits;
            misses += sh.Misses;
            expired += sh.ExpiredKeys;
        }
        sb.Append("# Stats\r\n");
        Field(sb, "total_connections_received", s.Stats.ConnectionsReceived);
        Field(sb, "total_commands_processed", s.Stats.TotalCommands);
        Field(sb, "instantaneous_ops_per_sec", 0);
        Field(sb, "total_net_input_bytes", s.Stats.NetInputBytes);
        Field(sb, "total_net_output_bytes", s.Stats.NetOutputBytes);
        Field(sb, "rejected_connections", s.Stats.RejectedConnections);
        Field(sb, "expired_keys", expired);
        Field(sb, "evicted_keys", 0);
        Field(sb, "evicted_clients", s.Stats.EvictedClients);
        Field(sb, "keyspace_hits", hits);
        Field(sb, "keyspace_misses", misses);
        Field(sb, "pubsub_channels", 0);
        Field(sb, "pubsub_patterns", 0);
        Field(sb, "total_error_replies", s.Stats.TotalErrorReplies);
        Field(sb, "total_reads_processed", 0);
        Field(sb, "total_writes_processed", 0);
    }

    private static void Replication(TernServer s, StringBuilder sb)
    {
        sb.Append("# Replication\r\n");
        Field(sb, "role", "master");
        Field(sb, "connected_slaves", 0);
        Field(sb, "master_failover_state", "no-failover");
        Field(sb, "master_replid", s.RunId);
        Field(sb, "master_replid2", "0000000000000000000000000000000000000000");
        Field(sb, "master_repl_offset", 0);
        Field(sb, "second_repl_offset", -1);
        Field(sb, "repl_backlog_active", 0);
        Field(sb, "repl_backlog_size", s.Config.ReplBacklogSize);
        Field(sb, "repl_backlog_first_byte_offset", 0);
        Field(sb, "repl_backlog_histlen", 0);
    }

    private static void Cpu(StringBuilder sb)
    {
        var p = Process.GetCurrentProcess();
        sb.Append("# CPU\r\n");
        Field(sb, "used_cpu_sys", p.PrivilegedProcessorTime.TotalSeconds.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
        Field(sb, "used_cpu_user", p.UserProcessorTime.TotalSeconds.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
        Field(sb, "used_cpu_sys_children", "0.000000");
        Field(sb, "used_cpu_user_children", "0.000000");
    }

    private static void CommandStats(TernServer s, StringBuilder sb)
    {
        sb.Append("# Commandstats\r\n");
        foreach (var c in s.Commands.All)
        {
            var (calls, usec, rejected, failed) = s.Stats.Command(c.Id);
            if (calls == 0 && rejected == 0 && failed == 0) continue;
            double per = calls == 0 ? 0 : (double)usec / calls;
            sb.Append("cmdstat_").Append(c.FullName).Append(":calls=").Append(calls)
              .Append(",usec=").Append(usec)
              .Append(",usec_per_call=").Append(per.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))
              .Append(",rejected_calls=").Append(rejected)
              .Append(",failed_calls=").Append(failed).Append("\r\n");
        }
    }

    private static void ErrorStats(TernServer s, StringBuilder sb)
    {
        sb.Append("# Errorstats\r\n");
        foreach (var (k, v) in s.Stats.ErrorCounts())
            sb.Append("errorstat_").Append(k).Append(":count=").Append(v).Append("\r\n");
    }

    private static void Keyspace(TernServer s, StringBuilder sb)
    {
        sb.Append("# Keyspace\r\n");
        for (int db = 0; db < s.Keyspace.Databases; db++)
        {
            long keys = s.Keyspace.DbSize(db);
            if (keys == 0) continue;
            sb.Append("db").Append(db).Append(":keys=").Append(keys)
              .Append(",expires=").Append(s.Keyspace.ExpiresCount(db))
              .Append(",avg_ttl=0\r\n");
        }
    }
}
