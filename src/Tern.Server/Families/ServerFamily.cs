using System.Globalization;
using System.Runtime;
using System.Text;
using Tern.Protocol;
using Tern.Server.Commands;
using Tern.Server.Configuration;
using Tern.Server.Info;

namespace Tern.Server.Families;

/// <summary>
/// Server and admin commands: COMMAND, CONFIG, INFO, TIME, SLOWLOG, LATENCY, MEMORY, SHUTDOWN. Replies and error
/// texts follow Redis 7.0; figures that Redis takes from its allocator or fork come from .NET's GC or are the
/// values that are true for Tern (see InfoBuilder and MemoryFigures).
/// </summary>
public static class ServerFamily
{
    // ---- helpers ----

    private static string Str(CommandContext ctx, int i) => Encoding.UTF8.GetString(ctx.Arg(i));

    /// <summary>Redis's addReplyHelp: a header naming the command as typed, the lines, then HELP.</summary>
    private static void Help(CommandContext ctx, params string[] lines)
    {
        var r = ctx.Reply;
        r.ArrayHeader(lines.Length + 3);
        r.Simple(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(ctx.Arg(0)).ToUpperInvariant() + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        foreach (var l in lines) r.Simple(Encoding.UTF8.GetBytes(l));
        r.Simple("HELP"u8);
        r.Simple("    Prints this help."u8);
    }

    private static void SubcommandSyntaxError(CommandContext ctx) =>
        ctx.Error(Errors.SubcommandSyntax(ctx.Arg(1), ctx.Arg(0)));

    /// <summary>Commands and subcommands in COMMAND LIST order: each command followed by its implemented subcommands.</summary>
    private static IEnumerable<CommandDef> AllImplemented(CommandTable table)
    {
        foreach (var c in table.Commands)
        {
            yield return c;
            if (c.Subcommands == null) continue;
            foreach (var s in c.Subcommands.Values)
                if (s.Handler != null) yield return s;
        }
    }

    private static CommandDef? LookupByName(CommandContext ctx, ReadOnlySpan<byte> name) =>
        ctx.Server.Commands.FindByFullName(Encoding.UTF8.GetString(name).ToLowerInvariant());

    // ---- COMMAND ----

    // COMMAND
    private static void Command(CommandContext ctx)
    {
        var list = new List<CommandDef>(ctx.Server.Commands.Commands);
        ctx.Reply.ArrayHeader(list.Count);
        foreach (var c in list) MetadataWriter.WriteInfo(ctx.Reply, c);
    }

    // COMMAND COUNT
    private static void CommandCount(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.Commands.Count);

    // COMMAND INFO [command-name ...]
    private static void CommandInfo(CommandContext ctx)
    {
        if (ctx.ArgCount == 2)
        {
            Command(ctx);
            return;
        }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var def = LookupByName(ctx, ctx.Arg(i));
            // Redis answers an unknown name with a null bulk ($-1 in RESP2).
            if (def == null) ctx.Reply.Null();
            else MetadataWriter.WriteInfo(ctx.Reply, def);
        }
    }

    // COMMAND DOCS [command-name ...]
    private static void CommandDocs(CommandContext ctx)
    {
        var defs = new List<CommandDef>();
        if (ctx.ArgCount == 2) defs.AddRange(ctx.Server.Commands.Commands);
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var def = LookupByName(ctx, ctx.Arg(i));
                if (def != null) defs.Add(def);
            }
        }
        ctx.Reply.MapHeader(defs.Count);
        foreach (var d in defs)
        {
            ctx.Reply.Bulk(d.FullName);
            MetadataWriter.WriteDocs(ctx.Reply, d);
        }
    }

    // COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
    private static void CommandList(CommandContext ctx)
    {
        int filter = 0; // 1 module, 2 aclcat, 3 pattern
        byte[] arg = [];
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            int more = ctx.ArgCount - 1 - i;
            if (Ascii.EqualsIgnoreCase(ctx.Arg(i), "FILTERBY"u8) && more == 2)
            {
                var type = ctx.Arg(i + 1);
                if (Ascii.EqualsIgnoreCase(type, "MODULE"u8)) filter = 1;
                else if (Ascii.EqualsIgnoreCase(type, "ACLCAT"u8)) filter = 2;
                else if (Ascii.EqualsIgnoreCase(type, "PATTERN"u8)) filter = 3;
                else
                {
                    ctx.SyntaxError();
                    return;
                }
                arg = ctx.Arg(i + 2).ToArray();
                i += 2;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        var names = new List<string>();
        string category = "@" + Encoding.UTF8.GetString(arg);
        foreach (var c in AllImplemented(ctx.Server.Commands))
        {
            bool keep = filter switch
            {
                // Tern has no modules: no command belongs to one.
                1 => false,
                2 => c.AclCategories.Exists(a => string.Equals(a, category, StringComparison.OrdinalIgnoreCase)),
                3 => Glob.Match(arg, Encoding.ASCII.GetBytes(c.FullName), ignoreCase: true),
                _ => true,
            };
            if (keep) names.Add(c.FullName);
        }
        ctx.Reply.ArrayHeader(names.Count);
        foreach (var n in names) ctx.Reply.Bulk(n);
    }

    // COMMAND GETKEYS command [arg ...]
    private static void CommandGetKeys(CommandContext ctx) => GetKeys(ctx, withFlags: false);

    // COMMAND GETKEYSANDFLAGS command [arg ...]
    private static void CommandGetKeysAndFlags(CommandContext ctx) => GetKeys(ctx, withFlags: true);

    private static void GetKeys(CommandContext ctx, bool withFlags)
    {
        var table = ctx.Server.Commands;
        int argc = ctx.ArgCount - 2;
        var def = table.Find(ctx.Arg(2));
        if (def != null && def.IsContainer && argc > 1) def = CommandTable.FindSub(def, ctx.Arg(3));
        if (def == null)
        {
            ctx.Error(Errors.GetKeysInvalidCommand);
            return;
        }
        if (!CommandKeys.HasKeys(def))
        {
            ctx.Error(Errors.GetKeysNoKeys);
            return;
        }
        if ((def.Arity > 0 && def.Arity != argc) || argc < -def.Arity)
        {
            ctx.Error(Errors.GetKeysArity);
            return;
        }
        var args = new List<byte[]>(argc);
        for (int i = 2; i < ctx.ArgCount; i++) args.Add(ctx.Arg(i).ToArray());
        var keys = CommandKeys.Find(def, args);
        if (keys.Count == 0)
        {
            if ((def.Flags & CommandFlags.NoMandatoryKeys) != 0) ctx.Reply.EmptyArray();
            else ctx.Error(Errors.GetKeysInvalidArguments);
            return;
        }
        ctx.Reply.ArrayHeader(keys.Count);
        foreach (var k in keys)
        {
            if (!withFlags)
            {
                ctx.Reply.Bulk(args[k.Pos]);
                continue;
            }
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk(args[k.Pos]);
            ctx.Reply.SetHeader(k.Flags.Length);
            foreach (var f in k.Flags) ctx.Reply.Simple(Encoding.ASCII.GetBytes(f));
        }
    }

    // COMMAND HELP
    private static void CommandHelp(CommandContext ctx) => Help(ctx,
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.");

    // ---- CONFIG ----

    // CONFIG GET parameter [parameter ...]
    private static void ConfigGet(CommandContext ctx)
    {
        var config = ctx.Server.Config;
        // Each name once (any case): an exact name keeps the caller's spelling, a pattern the registered names.
        var found = new List<(string Name, ConfigParam Param)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var pattern = ctx.Arg(i);
            if (pattern.IndexOfAny("[*?"u8) < 0)
            {
                string name = Encoding.UTF8.GetString(pattern);
                if (seen.Contains(name)) continue;
                var p = config.Find(name);
                if (p == null) continue;
                seen.Add(name);
                found.Add((name, p));
                continue;
            }
            foreach (var (name, p) in config.Names())
            {
                if (seen.Contains(name)) continue;
                if (!Glob.Match(pattern, Encoding.ASCII.GetBytes(name), ignoreCase: true)) continue;
                seen.Add(name);
                found.Add((name, p));
            }
        }
        ctx.Reply.MapHeader(found.Count);
        foreach (var (name, p) in found)
        {
            ctx.Reply.Bulk(name);
            ctx.Reply.Bulk(p.Get());
        }
    }

    // CONFIG SET parameter value [parameter value ...]
    private static void ConfigSet(CommandContext ctx)
    {
        if ((ctx.ArgCount & 1) != 0)
        {
            ctx.SyntaxError();
            return;
        }
        var pairs = new List<(string, string)>();
        for (int i = 2; i < ctx.ArgCount; i += 2) pairs.Add((Str(ctx, i), Str(ctx, i + 1)));
        var err = ctx.Server.Config.SetAtRuntime(pairs, ctx.Client);
        if (err != null) ctx.Error(err);
        else ctx.Reply.Ok();
    }

    // CONFIG RESETSTAT
    private static void ConfigResetStat(CommandContext ctx)
    {
        var s = ctx.Server;
        s.Stats.Reset();
        s.Metrics.Reset();
        foreach (var sh in s.Keyspace.Shards)
        {
            sh.Hits = 0;
            sh.Misses = 0;
            sh.ExpiredKeys = 0;
        }
        ctx.Reply.Ok();
    }

    // CONFIG REWRITE
    private static void ConfigRewrite(CommandContext ctx)
    {
        var config = ctx.Server.Config;
        if (config.ConfigFile == null)
        {
            ctx.Error(Errors.NoConfigFile);
            return;
        }
        try
        {
            ConfigRewriter.RewriteFile(config);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e is UnauthorizedAccessException ? "Permission denied"
                : e is DirectoryNotFoundException or FileNotFoundException ? "No such file or directory"
                : e.Message;
            ctx.Server.Log.Warning("CONFIG REWRITE failed: " + why);
            ctx.Error(Errors.RewriteFailed(why));
            return;
        }
        ctx.Server.Log.Warning("CONFIG REWRITE executed with success.");
        ctx.Reply.Ok();
    }

    // CONFIG HELP
    private static void ConfigHelp(CommandContext ctx) => Help(ctx,
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.");

    // ---- INFO, TIME ----

    // INFO [section [section ...]]
    private static void InfoCmd(CommandContext ctx)
    {
        var sections = new List<string>();
        for (int i = 1; i < ctx.ArgCount; i++) sections.Add(Str(ctx, i));
        var text = InfoBuilder.Build(ctx.Server, sections);
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(text), "txt"u8);
    }

    // TIME
    private static void Time(CommandContext ctx)
    {
        long us = Storage.Clock.UnixMicros();
        ctx.Reply.ArrayHeader(2);
        ctx.Reply.BulkInteger(us / 1_000_000);
        ctx.Reply.BulkInteger(us % 1_000_000);
    }

    // ---- SLOWLOG ----

    // SLOWLOG GET [count]
    private static void SlowlogGet(CommandContext ctx)
    {
        if (ctx.ArgCount > 3)
        {
            SubcommandSyntaxError(ctx);
            return;
        }
        long count = 10;
        if (ctx.ArgCount == 3)
        {
            if (!RespNumber.TryParseInt64(ctx.Arg(2), out count) || count < -1)
            {
                ctx.Error(Errors.SlowlogCount);
                return;
            }
        }
        var entries = ctx.Server.SlowLog.Get(count);
        var r = ctx.Reply;
        r.ArrayHeader(entries.Count);
        foreach (var e in entries)
        {
            r.ArrayHeader(6);
            r.Integer(e.Id);
            r.Integer(e.TimestampSec);
            r.Integer(e.DurationUs);
            r.ArrayHeader(e.Args.Length);
            foreach (var a in e.Args) r.Bulk(a);
            r.Bulk(e.ClientAddr);
            r.Bulk(e.ClientName);
        }
    }

    // SLOWLOG LEN
    private static void SlowlogLen(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.SlowLog.Length);

    // SLOWLOG RESET
    private static void SlowlogReset(CommandContext ctx)
    {
        ctx.Server.SlowLog.Reset();
        ctx.Reply.Ok();
    }

    // SLOWLOG HELP
    private static void SlowlogHelp(CommandContext ctx) => Help(ctx,
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.");

    // ---- LATENCY ----

    // LATENCY LATEST
    private static void LatencyLatest(CommandContext ctx)
    {
        var latest = ctx.Server.Metrics.LatencyMonitor.Latest();
        var r = ctx.Reply;
        r.ArrayHeader(latest.Count);
        foreach (var (ev, time, latency, max) in latest)
        {
            r.ArrayHeader(4);
            r.Bulk(ev);
            r.Integer(time);
            r.Integer(latency);
            r.Integer(max);
        }
    }

    // LATENCY HISTORY event
    private static void LatencyHistory(CommandContext ctx)
    {
        var h = ctx.Server.Metrics.LatencyMonitor.History(Str(ctx, 2));
        var r = ctx.Reply;
        if (h == null)
        {
            r.EmptyArray();
            return;
        }
        r.ArrayHeader(h.Count);
        foreach (var (time, latency) in h)
        {
            r.ArrayHeader(2);
            r.Integer(time);
            r.Integer(latency);
        }
    }

    // LATENCY RESET [event ...]
    private static void LatencyReset(CommandContext ctx)
    {
        var mon = ctx.Server.Metrics.LatencyMonitor;
        if (ctx.ArgCount == 2)
        {
            ctx.Reply.Integer(mon.Reset(null));
            return;
        }
        int n = 0;
        for (int i = 2; i < ctx.ArgCount; i++) n += mon.Reset(Str(ctx, i));
        ctx.Reply.Integer(n);
    }

    // LATENCY GRAPH event
    private static void LatencyGraph(CommandContext ctx)
    {
        var graph = ctx.Server.Metrics.LatencyMonitor.Graph(Str(ctx, 2));
        if (graph == null)
        {
            ctx.Error(Errors.NoLatencySamples(ctx.Arg(2)));
            return;
        }
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(graph), "txt"u8);
    }

    // LATENCY DOCTOR
    private static void LatencyDoctor(CommandContext ctx) =>
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(ctx.Server.Metrics.LatencyMonitor.Doctor()), "txt"u8);

    // LATENCY HISTOGRAM [command ...]
    private static void LatencyHistogram(CommandContext ctx)
    {
        var latency = ctx.Server.Metrics.Latency;
        var found = new List<(CommandDef Cmd, HdrHistogram H)>();
        void AddWithSubs(CommandDef c)
        {
            var h = latency.Histogram(c.Id);
            if (h != null) found.Add((c, h));
            if (c.Subcommands == null) return;
            foreach (var s in c.Subcommands.Values)
            {
                var sh = latency.Histogram(s.Id);
                if (sh != null) found.Add((s, sh));
            }
        }
        if (ctx.ArgCount == 2)
        {
            foreach (var c in ctx.Server.Commands.Commands) AddWithSubs(c);
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i++)
            {
                var c = LookupByName(ctx, ctx.Arg(i));
                if (c != null) AddWithSubs(c);
            }
        }
        var r = ctx.Reply;
        r.MapHeader(found.Count);
        foreach (var (cmd, h) in found)
        {
            r.Bulk(cmd.FullName);
            r.MapHeader(2);
            r.Bulk("calls"u8);
            r.Integer(h.TotalCount);
            r.Bulk("histogram_usec"u8);
            var buckets = new List<(long, long)>();
            long previous = 0;
            foreach (var (highest, cumulative) in h.LogSteps())
            {
                if (cumulative > previous) buckets.Add((highest / 1000, cumulative));
                previous = cumulative;
            }
            r.MapHeader(buckets.Count);
            foreach (var (us, cum) in buckets)
            {
                r.Integer(us);
                r.Integer(cum);
            }
        }
    }

    // LATENCY HELP
    private static void LatencyHelp(CommandContext ctx) => Help(ctx,
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.");

    // ---- MEMORY ----

    // MEMORY USAGE key [SAMPLES count]
    private static void MemoryUsage(CommandContext ctx)
    {
        for (int j = 3; j < ctx.ArgCount; j++)
        {
            if (Ascii.EqualsIgnoreCase(ctx.Arg(j), "SAMPLES"u8) && j + 1 < ctx.ArgCount)
            {
                // Tern's sizes are exact, so the sample count is only validated.
                if (!RespNumber.TryParseInt64(ctx.Arg(j + 1), out long samples))
                {
                    ctx.Error(Errors.NotInteger);
                    return;
                }
                if (samples < 0)
                {
                    ctx.SyntaxError();
                    return;
                }
                j++;
            }
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        // As Redis, a key that expired but was not yet removed still has a size.
        var o = ctx.Keyspace.Lookup(ctx.Db, ctx.Arg(2), ctx.Now, primaryLink: true);
        if (o == null) ctx.Reply.Null();
        else ctx.Reply.Integer(Storage.Entry.MemoryUsage(o));
    }

    // MEMORY STATS
    private static void MemoryStats(CommandContext ctx)
    {
        var m = MemoryFigures.Collect(ctx.Server);
        var r = ctx.Reply;
        r.MapHeader(27 + m.Dbs.Count);
        void Int(string name, long v)
        {
            r.Bulk(name);
            r.Integer(v);
        }
        void Dbl(string name, double v)
        {
            r.Bulk(name);
            r.Double(v);
        }
        Int("peak.allocated", m.Peak);
        Int("total.allocated", m.Used);
        Int("startup.allocated", m.Startup);
        Int("replication.backlog", 0);
        Int("clients.slaves", 0);
        Int("clients.normal", m.ClientsNormal);
        Int("cluster.links", 0);
        Int("aof.buffer", 0);
        Int("lua.caches", 0);
        Int("functions.caches", 0);
        foreach (var (db, main, expires) in m.Dbs)
        {
            r.Bulk("db." + db.ToString(CultureInfo.InvariantCulture));
            r.MapHeader(3);
            Int("overhead.hashtable.main", main);
            Int("overhead.hashtable.expires", expires);
            Int("overhead.hashtable.slot-to-keys", 0);
        }
        Int("overhead.total", m.Overhead);
        Int("keys.count", m.TotalKeys);
        Int("keys.bytes-per-key", m.BytesPerKey);
        Int("dataset.bytes", m.Dataset);
        Dbl("dataset.percentage", m.DatasetPerc);
        Dbl("peak.percentage", m.PeakPerc);
        Int("allocator.allocated", m.AllocatorAllocated);
        Int("allocator.active", m.AllocatorActive);
        Int("allocator.resident", m.AllocatorResident);
        Dbl("allocator-fragmentation.ratio", m.AllocatorFrag);
        Int("allocator-fragmentation.bytes", m.AllocatorFragBytes);
        Dbl("allocator-rss.ratio", m.AllocatorRss);
        Int("allocator-rss.bytes", m.AllocatorRssBytes);
        Dbl("rss-overhead.ratio", m.RssOverhead);
        Int("rss-overhead.bytes", m.RssOverheadBytes);
        Dbl("fragmentation", m.Fragmentation);
        Int("fragmentation.bytes", m.FragmentationBytes);
    }

    // MEMORY DOCTOR
    private static void MemoryDoctor(CommandContext ctx)
    {
        var m = MemoryFigures.Collect(ctx.Server);
        bool empty = false, bigPeak = false, highFrag = false, highAllocFrag = false, highAllocRss = false, highProcRss = false, bigClientBuf = false;
        int reports = 0;
        if (m.Used < 1024 * 1024 * 5)
        {
            empty = true;
            reports++;
        }
        else
        {
            if ((double)m.Peak / m.Used > 1.5) { bigPeak = true; reports++; }
            if (m.Fragmentation > 1.4 && m.FragmentationBytes > 10 << 20) { highFrag = true; reports++; }
            if (m.AllocatorFrag > 1.1 && m.AllocatorFragBytes > 10 << 20) { highAllocFrag = true; reports++; }
            if (m.AllocatorRss > 1.1 && m.AllocatorRssBytes > 10 << 20) { highAllocRss = true; reports++; }
            if (m.RssOverhead > 1.1 && m.RssOverheadBytes > 10 << 20) { highProcRss = true; reports++; }
            long clients = Math.Max(1, ctx.Server.Clients.Count);
            if (m.ClientsNormal / clients > 1024 * 200) { bigClientBuf = true; reports++; }
        }
        var sb = new StringBuilder();
        if (reports == 0)
        {
            sb.Append("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n");
        }
        else if (empty)
        {
            sb.Append("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n");
        }
        else
        {
            sb.Append("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
            if (bigPeak)
                sb.Append(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
            if (highFrag)
                sb.Append($" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"{MemoryFigures.AllocatorName}\".\n\n");
            if (highAllocFrag)
                sb.Append(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n");
            if (highAllocRss)
                sb.Append(" * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n");
            if (highProcRss)
                sb.Append(" * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n");
            if (bigClientBuf)
                sb.Append(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
            sb.Append("I'm here to keep you safe, Sam. I want to help you.\n");
        }
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()), "txt"u8);
    }

    // MEMORY MALLOC-STATS
    private static void MemoryMallocStats(CommandContext ctx)
    {
        // Redis prints jemalloc's statistics; Tern's allocator is the .NET GC, so these are its figures.
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("___ Begin .NET GC statistics ___\n");
        sb.Append(inv, $"Allocator: {MemoryFigures.AllocatorName}\n");
        sb.Append(inv, $"Server GC: {GCSettings.IsServerGC}, latency mode: {GCSettings.LatencyMode}, concurrent: {AppContext.TryGetSwitch("System.GC.Concurrent", out bool conc) && conc}\n");
        sb.Append(inv, $"Allocated now: {GC.GetTotalMemory(false)}\n");
        sb.Append(inv, $"Allocated since start: {GC.GetTotalAllocatedBytes(false)}\n");
        sb.Append(inv, $"Heap size: {gc.HeapSizeBytes}\n");
        sb.Append(inv, $"Fragmented: {gc.FragmentedBytes}\n");
        sb.Append(inv, $"Committed: {gc.TotalCommittedBytes}\n");
        sb.Append(inv, $"Promoted: {gc.PromotedBytes}\n");
        sb.Append(inv, $"Pinned objects: {gc.PinnedObjectsCount}\n");
        sb.Append(inv, $"Memory load: {gc.MemoryLoadBytes}, high load threshold: {gc.HighMemoryLoadThresholdBytes}, available: {gc.TotalAvailableMemoryBytes}\n");
        sb.Append(inv, $"Collections: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}\n");
        sb.Append(inv, $"Pause time: total {GC.GetTotalPauseDuration().TotalMilliseconds:F3} ms, last {(gc.PauseDurations.Length > 0 ? gc.PauseDurations[0].TotalMilliseconds : 0):F3} ms, pause percentage {gc.PauseTimePercentage:F2}\n");
        var gens = gc.GenerationInfo;
        string[] genNames = ["gen0", "gen1", "gen2", "loh", "poh"];
        for (int i = 0; i < gens.Length && i < genNames.Length; i++)
            sb.Append(inv, $"{genNames[i]}: size before {gens[i].SizeBeforeBytes}, after {gens[i].SizeAfterBytes}, fragmentation after {gens[i].FragmentationAfterBytes}\n");
        sb.Append("--- End .NET GC statistics ---\n");
        ctx.Reply.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()), "txt"u8);
    }

    // MEMORY PURGE
    private static void MemoryPurge(CommandContext ctx)
    {
        // The GC's way to give memory back: a full, compacting collection that decommits free space.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ctx.Reply.Ok();
    }

    // MEMORY HELP
    private static void MemoryHelp(CommandContext ctx) => Help(ctx,
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).");

    // ---- SHUTDOWN ----

    // SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
    private static void Shutdown(CommandContext ctx)
    {
        bool nosave = false, save = false, now = false, force = false, abort = false;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var a = ctx.Arg(i);
            if (Ascii.EqualsIgnoreCase(a, "NOSAVE"u8)) nosave = true;
            else if (Ascii.EqualsIgnoreCase(a, "SAVE"u8)) save = true;
            else if (Ascii.EqualsIgnoreCase(a, "NOW"u8)) now = true;
            else if (Ascii.EqualsIgnoreCase(a, "FORCE"u8)) force = true;
            else if (Ascii.EqualsIgnoreCase(a, "ABORT"u8)) abort = true;
            else
            {
                ctx.SyntaxError();
                return;
            }
        }
        if ((abort && (nosave || save || now || force)) || (nosave && save))
        {
            ctx.SyntaxError();
            return;
        }
        var server = ctx.Server;
        if (abort)
        {
            // Tern never waits for replicas before exiting, so a shutdown is never in progress.
            ctx.Error(Errors.NoShutdownInProgress);
            return;
        }
        if ((server.Config.SaveParams.Count > 0 && !nosave) || save)
        {
            // As prepareForShutdown: a background save in progress is stopped (its temp file removed), then the
            // dataset is saved in the foreground.
            if (server.Saves.BgsaveInProgress)
            {
                server.Log.Warning("There is a child saving an .rdb. Killing it!");
                server.Saves.WaitForBackground(cancel: true);
            }
            server.Log.Notice("Saving the final RDB snapshot before exiting.");
            if (server.Saves.Save() != null)
            {
                if (!force)
                {
                    server.Log.Warning("Error trying to save the DB, can't exit.");
                    server.Log.Warning("Errors trying to shut down the server. Check the logs for more information.");
                    ctx.Error(Errors.ShutdownFailed);
                    return;
                }
                server.Log.Warning("Error trying to save the DB. Exit anyway.");
            }
        }
        else if (server.Saves.BgsaveInProgress)
        {
            server.Saves.WaitForBackground(cancel: true);
        }
        // Like Redis the client gets no reply: the connection closes as the server stops.
        server.Shutdown();
    }

    public static void Register(CommandTable t)
    {
        t.Add("command", Command);
        t.Add("command|count", CommandCount);
        t.Add("command|info", CommandInfo);
        t.Add("command|docs", CommandDocs);
        t.Add("command|list", CommandList);
        t.Add("command|getkeys", CommandGetKeys);
        t.Add("command|getkeysandflags", CommandGetKeysAndFlags);
        t.Add("command|help", CommandHelp);
        t.Add("config|get", ConfigGet);
        t.Add("config|set", ConfigSet);
        t.Add("config|resetstat", ConfigResetStat);
        t.Add("config|rewrite", ConfigRewrite);
        t.Add("config|help", ConfigHelp);
        t.Add("info", InfoCmd);
        t.Add("time", Time);
        t.Add("slowlog|get", SlowlogGet);
        t.Add("slowlog|len", SlowlogLen);
        t.Add("slowlog|reset", SlowlogReset);
        t.Add("slowlog|help", SlowlogHelp);
        t.Add("latency|latest", LatencyLatest);
        t.Add("latency|history", LatencyHistory);
        t.Add("latency|reset", LatencyReset);
        t.Add("latency|graph", LatencyGraph);
        t.Add("latency|doctor", LatencyDoctor);
        t.Add("latency|histogram", LatencyHistogram);
        t.Add("latency|help", LatencyHelp);
        t.Add("memory|usage", MemoryUsage);
        t.Add("memory|stats", MemoryStats);
        t.Add("memory|doctor", MemoryDoctor);
        t.Add("memory|malloc-stats", MemoryMallocStats);
        t.Add("memory|purge", MemoryPurge);
        t.Add("memory|help", MemoryHelp);
        t.Add("shutdown", Shutdown);
    }
}
