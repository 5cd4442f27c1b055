using System.Globalization;
using System.Net;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Configuration;

/// <summary>
/// The server's configuration: typed fields read on hot paths, plus a registry of every parameter by its Redis
/// name for flags, config files and CONFIG GET/SET/REWRITE. Defaults are Redis 7.0's defaults when it starts
/// without a config file. Only parameters Tern honours are registered, plus a few whose value is fixed and true
/// for Tern (appendonly, daemonize, cluster-enabled, maxmemory): those accept only that value.
/// </summary>
public sealed partial class ServerConfig
{
    /// <summary>Lookup by primary name and alias, any case.</summary>
    private readonly Dictionary<string, ConfigParam> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ConfigParam> _ordered = [];

    // ---- typed values ----
    public int Port = 6379;
    public string[] Bind = ["*", "-::*"];
    public bool ProtectedMode = true;
    public string RequirePass = "";
    public int Databases = 16;
    public long MaxClients = 10000;
    public long Timeout;
    public string Dir = Directory.GetCurrentDirectory();
    public string DbFilename = "dump.rdb";
    public bool RdbCompression = true;
    public bool RdbChecksum = true;
    public string LogLevel = "notice";
    public string LogFile = "";
    public long ProtoMaxBulkLen = 512L * 1024 * 1024;
    public long SlowlogLogSlowerThan = 10000;
    public long SlowlogMaxLen = 128;
    public long LatencyMonitorThreshold;
    public bool LatencyTracking = true;
    public double[] LatencyTrackingPercentiles = [50.0, 99.0, 99.9];
    public string EnableDebugCommand = "no";
    public string EnableModuleCommand = "no";
    public string EnableProtectedConfigs = "no";
    public long Hz = 10;
    public long MaxMemory;
    public string MaxMemoryPolicy = "noeviction";
    public long TcpKeepAlive = 300;
    public bool ReplicaReadOnly = true;
    public string MasterAuth = "";
    public string MasterUser = "";
    public long ReplBacklogSize = 1024 * 1024;
    public long LfuLogFactor = 10;
    public long LfuDecayTime = 1;
    public OutputBufferLimit NormalLimit = DefaultNormalLimit;
    public OutputBufferLimit ReplicaLimit = DefaultReplicaLimit;
    public OutputBufferLimit PubSubLimit = DefaultPubSubLimit;

    /// <summary>"save" as pairs of (seconds, changes); empty: never save. Redis's defaults without a config file.</summary>
    public List<(long Seconds, long Changes)> SaveParams = [(3600, 1), (300, 100), (60, 10000)];

    /// <summary>The "save" value as CONFIG GET prints it ("3600 1 300 100").</summary>
    public string Save => FormatSave();

    private static readonly OutputBufferLimit DefaultNormalLimit = new(0, 0, 0);
    private static readonly OutputBufferLimit DefaultReplicaLimit = new(256L * 1024 * 1024, 64L * 1024 * 1024, 60);
    private static readonly OutputBufferLimit DefaultPubSubLimit = new(32L * 1024 * 1024, 8L * 1024 * 1024, 60);

    /// <summary>The config file given at start-up, as an absolute path, for CONFIG REWRITE (null: none).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>
    /// True while a config file or the command line is being applied: the first "save" line then replaces the
    /// defaults and later ones add to it, as Redis's reading_config_file does.
    /// </summary>
    internal bool ReadingConfigFile { get; set; }
    private bool _saveLoaded;

    /// <summary>Called after a parameter changed at runtime (the server applies it: log level, limits ...).</summary>
    public event Action<string>? Changed;

    /// <summary>Every parameter once, in registration order (CONFIG GET *, CONFIG REWRITE).</summary>
    public IReadOnlyList<ConfigParam> Parameters => _ordered;

    public ServerConfig()
    {
        Register();
        RegisterEncodings();
    }

    private void Register()
    {
        // Immutable in Tern (Redis rebinds at runtime): the listener binds once at start.
        Int("port", () => Port, v => Port = (int)v, 0, 65535, ConfigFlags.Immutable);
        Add(new ConfigParam("bind", ConfigType.Special, () => string.Join(' ', Bind), SetBind,
            ConfigFlags.Immutable | ConfigFlags.MultiArg) { Rewrite = RewriteBind });
        Bool("protected-mode", () => ProtectedMode, v => ProtectedMode = v);
        Str("requirepass", () => RequirePass, v => RequirePass = v, ConfigFlags.Sensitive, emptyIsNull: true);
        Int("databases", () => Databases, v => Databases = (int)v, 1, int.MaxValue, ConfigFlags.Immutable);
        Int("maxclients", () => MaxClients, v => MaxClients = v, 1, uint.MaxValue);
        Int("timeout", () => Timeout, v => Timeout = v, 0, int.MaxValue);
        Int("tcp-keepalive", () => TcpKeepAlive, v => TcpKeepAlive = v, 0, int.MaxValue);
        // Tern keeps the directory as a setting (it never changes the process's working directory: several
        // servers may share one process in tests).
        Add(new ConfigParam("dir", ConfigType.Special, () => Dir, SetDir, ConfigFlags.Protected) { Rewrite = RewriteDir });
        Enum("loglevel", () => LogLevel, v => LogLevel = v, ConfigFlags.None, "debug", "verbose", "notice", "warning");
        Str("logfile", () => LogFile, v => LogFile = v, ConfigFlags.Immutable);
        Memory("proto-max-bulk-len", () => ProtoMaxBulkLen, v => ProtoMaxBulkLen = v, 1024 * 1024, long.MaxValue);
        Int("slowlog-log-slower-than", () => SlowlogLogSlowerThan, v => SlowlogLogSlowerThan = v, -1, long.MaxValue);
        Int("slowlog-max-len", () => SlowlogMaxLen, v => SlowlogMaxLen = v, 0, long.MaxValue);
        Int("latency-monitor-threshold", () => LatencyMonitorThreshold, v => LatencyMonitorThreshold = v, 0, long.MaxValue);
        Bool("latency-tracking", () => LatencyTracking, v => LatencyTracking = v);
        Add(new ConfigParam("latency-tracking-info-percentiles", ConfigType.Special, GetPercentiles, SetPercentiles,
            ConfigFlags.MultiArg) { Rewrite = RewritePercentiles });
        Enum("enable-protected-configs", () => EnableProtectedConfigs, v => EnableProtectedConfigs = v, ConfigFlags.Immutable, "no", "yes", "local");
        Enum("enable-debug-command", () => EnableDebugCommand, v => EnableDebugCommand = v, ConfigFlags.Immutable, "no", "yes", "local");
        Enum("enable-module-command", () => EnableModuleCommand, v => EnableModuleCommand = v, ConfigFlags.Immutable, "no", "yes", "local");
        // Redis keeps the configured value but clamps it to 1..500 when applying it; CONFIG GET shows the clamp.
        Int("hz", () => Hz, v => Hz = Math.Clamp(v, 1, 500), 0, int.MaxValue);
        Bool("replica-read-only", () => ReplicaReadOnly, v => ReplicaReadOnly = v, alias: "slave-read-only");
        Add(new ConfigParam("client-output-buffer-limit", ConfigType.Special,
            () => $"normal {NormalLimit} slave {ReplicaLimit} pubsub {PubSubLimit}",
            SetOutputBufferLimits, ConfigFlags.MultiArg) { Rewrite = RewriteOutputBufferLimits });

        // ---- RDB snapshots ----
        Add(new ConfigParam("save", ConfigType.Special, FormatSave, SetSave, ConfigFlags.MultiArg) { Rewrite = RewriteSave });
        Add(new ConfigParam("dbfilename", ConfigType.String, () => DbFilename, args =>
        {
            // isValidDBfilename: a file name in dir, never a path.
            if (args[0].Contains('/') || args[0].Contains('\\')) return "dbfilename can't be a path, just a filename";
            DbFilename = args[0];
            return null;
        }, ConfigFlags.Protected));
        Bool("rdbcompression", () => RdbCompression, v => RdbCompression = v);
        Bool("rdbchecksum", () => RdbChecksum, v => RdbChecksum = v, ConfigFlags.Immutable);

        // ---- fixed values: true for Tern, anything else is refused ----
        // No append-only file.
        Fixed("appendonly", ConfigType.Bool, "no", "Tern has no append-only file");
        // Tern never forks into the background.
        Fixed("daemonize", ConfigType.Bool, "no", "Tern does not daemonize", ConfigFlags.Immutable);
        // No cluster mode.
        Fixed("cluster-enabled", ConfigType.Bool, "no", "Tern has no cluster mode", ConfigFlags.Immutable);
        // No memory limit and no eviction: keys stay until deleted or expired.
        Fixed("maxmemory", ConfigType.Memory, "0", "Tern has no memory limit");
        // With maxmemory 0 no policy ever evicts, in Redis as in Tern; the policy still decides whether keys keep
        // an LRU clock or an LFU counter (OBJECT IDLETIME / OBJECT FREQ), so every Redis policy name is accepted.
        Enum("maxmemory-policy", () => MaxMemoryPolicy, v => MaxMemoryPolicy = v, ConfigFlags.None,
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction");
        Int("lfu-log-factor", () => LfuLogFactor, v => LfuLogFactor = v, 0, int.MaxValue);
        Int("lfu-decay-time", () => LfuDecayTime, v => LfuDecayTime = v, 0, int.MaxValue);
    }

    // ---- special parameters ----

    private string? SetBind(string[] args)
    {
        if (args.Length > 16) return "Too many bind addresses specified.";
        if (args.Length == 1 && args[0].Length == 0) args = [];
        Bind = args;
        return null;
    }

    private void RewriteBind(ConfigRewriter state, ConfigParam p)
    {
        if (Bind is ["*", "-::*"])
        {
            state.MarkProcessed(p.Name);
            return;
        }
        state.RewriteLine(p.Name, p.Name + " " + (Bind.Length > 0 ? string.Join(' ', Bind) : "\"\""), force: true);
    }

    private string? SetDir(string[] args)
    {
        if (args.Length != 1) return "wrong number of arguments";
        try
        {
            var full = Path.GetFullPath(args[0], Dir);
            if (File.Exists(full)) return "Not a directory";
            if (!Directory.Exists(full)) return "No such file or directory";
            Dir = full;
            return null;
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return "No such file or directory";
        }
    }

    // Redis always writes "dir" (its working directory), quoted.
    private void RewriteDir(ConfigRewriter state, ConfigParam p) =>
        state.RewriteLine(p.Name, p.Name + " " + ConfigRewriter.Repr(Dir), force: true);

    private string FormatSave()
    {
        var parts = new List<string>(SaveParams.Count * 2);
        foreach (var (s, c) in SaveParams)
        {
            parts.Add(s.ToString(CultureInfo.InvariantCulture));
            parts.Add(c.ToString(CultureInfo.InvariantCulture));
        }
        return string.Join(' ', parts);
    }

    private string? SetSave(string[] args)
    {
        // A single "" means no save points.
        if (args.Length == 1 && args[0].Length == 0) args = [];
        if (args.Length % 2 != 0) return "Invalid save parameters";
        var parsed = new List<(long, long)>();
        for (int j = 0; j < args.Length; j += 2)
        {
            if (!TryParseStrtoll(args[j], out long seconds) || seconds < 1 ||
                !TryParseStrtoll(args[j + 1], out long changes) || changes < 0)
                return "Invalid save parameters";
            parsed.Add((seconds, changes));
        }
        // In a config file the first "save" line replaces the defaults and the next ones add to it.
        var next = new List<(long, long)>();
        if (ReadingConfigFile && _saveLoaded) next.AddRange(SaveParams);
        _saveLoaded |= ReadingConfigFile;
        next.AddRange(parsed);
        SaveParams = next;
        return null;
    }

    // Redis always writes "save": one line per save point, or save "" so the defaults are not used.
    private void RewriteSave(ConfigRewriter state, ConfigParam p)
    {
        if (SaveParams.Count == 0) state.RewriteLine(p.Name, "save \"\"", force: true);
        else
        {
            foreach (var (s, c) in SaveParams)
                state.RewriteLine(p.Name, $"save {s.ToString(CultureInfo.InvariantCulture)} {c.ToString(CultureInfo.InvariantCulture)}", force: true);
        }
        state.MarkProcessed(p.Name);
    }

    private string GetPercentiles()
    {
        var parts = new string[LatencyTrackingPercentiles.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = FormatPercentile(LatencyTrackingPercentiles[i]);
        return string.Join(' ', parts);
    }

    /// <summary>A percentile as Redis prints it: "%f" with trailing zeros (and a bare point) removed.</summary>
    public static string FormatPercentile(double p)
    {
        var s = p.ToString("F6", CultureInfo.InvariantCulture);
        if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        return s;
    }

    private string? SetPercentiles(string[] args)
    {
        if (args.Length == 1 && args[0].Length == 0) args = [];
        var values = new double[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (!Tern.Protocol.RespNumber.TryParseDouble(System.Text.Encoding.UTF8.GetBytes(args[i]), out double d))
                return "Invalid latency-tracking-info-percentiles parameters";
            if (d > 100.0 || d < 0.0) return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            values[i] = d;
        }
        LatencyTrackingPercentiles = values;
        return null;
    }

    // Redis always writes the percentiles line (or an empty "" one).
    private void RewritePercentiles(ConfigRewriter state, ConfigParam p)
    {
        var v = GetPercentiles();
        state.RewriteLine(p.Name, p.Name + " " + (v.Length == 0 ? "\"\"" : v), force: true);
    }

    /// <summary>client-output-buffer-limit "class hard soft seconds [class ...]": all classes valid or none applied.</summary>
    private string? SetOutputBufferLimits(string[] p)
    {
        if (p.Length == 1 && p[0].Length == 0) p = [];
        if (p.Length % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
        var parsed = new List<(string cls, OutputBufferLimit lim)>();
        for (int i = 0; i < p.Length; i += 4)
        {
            string cls = p[i].ToLowerInvariant();
            if (cls is not ("normal" or "slave" or "replica" or "pubsub")) return "Invalid client class specified in buffer limit configuration.";
            bool okHard = TryParseMemory(p[i + 1], out ulong hard);
            bool okSoft = TryParseMemory(p[i + 2], out ulong soft);
            bool okSecs = TryParseStrtoll(p[i + 3], out long secs);
            if (!okHard || !okSoft || !okSecs || secs < 0)
                return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            parsed.Add((cls, new OutputBufferLimit((long)hard, (long)soft, secs)));
        }
        foreach (var (cls, lim) in parsed)
        {
            if (cls == "normal") NormalLimit = lim;
            else if (cls == "pubsub") PubSubLimit = lim;
            else ReplicaLimit = lim;
        }
        return null;
    }

    // One line per class, written when it differs from the default (the replica class is named "replica").
    private void RewriteOutputBufferLimits(ConfigRewriter state, ConfigParam p)
    {
        foreach (var (cls, lim, def) in new[] { ("normal", NormalLimit, DefaultNormalLimit), ("replica", ReplicaLimit, DefaultReplicaLimit), ("pubsub", PubSubLimit, DefaultPubSubLimit) })
        {
            string line = $"{p.Name} {cls} {ConfigRewriter.FormatMemory(lim.Hard)} {ConfigRewriter.FormatMemory(lim.Soft)} {lim.SoftSeconds.ToString(CultureInfo.InvariantCulture)}";
            state.RewriteLine(p.Name, line, force: lim != def);
        }
    }

    // ---- registry helpers ----

    private void Add(ConfigParam p)
    {
        _byName.Add(p.Name, p);
        if (p.Alias != null) _byName.Add(p.Alias, p);
        _ordered.Add(p);
    }

    private void Fixed(string name, ConfigType type, string value, string why, ConfigFlags flags = ConfigFlags.None) =>
        Add(new ConfigParam(name, type, () => value, args =>
        {
            if (args.Length == 1 && args[0].Equals(value, StringComparison.OrdinalIgnoreCase)) return null;
            if (type == ConfigType.Memory && args.Length == 1 && TryParseMemory(args[0], out ulong n) && n == 0) return null;
            return $"argument must be '{value}': {why}";
        }, flags));

    private void Int(string name, Func<long> get, Action<long> set, long min, long max, ConfigFlags flags = ConfigFlags.None, string? alias = null) =>
        Add(new ConfigParam(name, ConfigType.Integer, () => get().ToString(CultureInfo.InvariantCulture), args =>
        {
            if (!Tern.Protocol.RespNumber.TryParseInt64(System.Text.Encoding.UTF8.GetBytes(args[0]), out long n))
                return "argument couldn't be parsed into an integer";
            if (n < min || n > max) return BoundsError(min, max);
            set(n);
            return null;
        }, flags, alias));

    private void Memory(string name, Func<long> get, Action<long> set, long min, long max, ConfigFlags flags = ConfigFlags.None, string? alias = null) =>
        Add(new ConfigParam(name, ConfigType.Memory, () => get().ToString(CultureInfo.InvariantCulture), args =>
        {
            if (!TryParseMemory(args[0], out ulong u)) return "argument must be a memory value";
            long n = (long)u;
            if (n < min || n > max) return BoundsError(min, max);
            set(n);
            return null;
        }, flags, alias));

    private static string BoundsError(long min, long max) =>
        $"argument must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)} inclusive";

    private void Bool(string name, Func<bool> get, Action<bool> set, ConfigFlags flags = ConfigFlags.None, string? alias = null) =>
        Add(new ConfigParam(name, ConfigType.Bool, () => get() ? "yes" : "no", args =>
        {
            if (args[0].Equals("yes", StringComparison.OrdinalIgnoreCase)) set(true);
            else if (args[0].Equals("no", StringComparison.OrdinalIgnoreCase)) set(false);
            else return "argument must be 'yes' or 'no'";
            return null;
        }, flags, alias));

    private void Str(string name, Func<string> get, Action<string> set, ConfigFlags flags = ConfigFlags.None, bool emptyIsNull = false) =>
        Add(new ConfigParam(name, ConfigType.String, get, args =>
        {
            set(args[0]);
            return null;
        }, flags) { EmptyIsNull = emptyIsNull });

    private void Enum(string name, Func<string> get, Action<string> set, ConfigFlags flags, params string[] values) =>
        Add(new ConfigParam(name, ConfigType.Enum, get, args =>
        {
            if (args.Length == 1)
            {
                foreach (var allowed in values)
                {
                    if (allowed.Equals(args[0], StringComparison.OrdinalIgnoreCase))
                    {
                        set(allowed);
                        return null;
                    }
                }
            }
            return "argument(s) must be one of the following: " + string.Join(", ", values);
        }, flags));

    /// <summary>
    /// Parses a byte count as Redis's memtoull: digits then an optional unit b, k (1000), kb (1024), m, mb, g, gb
    /// in any case. No sign, no spaces; "" is 0 (Redis accepts it too); overflow wraps as in C.
    /// </summary>
    public static bool TryParseMemory(string s, out ulong value)
    {
        value = 0;
        int u = 0;
        while (u < s.Length && (uint)(s[u] - '0') <= 9) u++;
        ulong mul;
        var unit = s.AsSpan(u);
        if (unit.Length == 0 || unit.Equals("b", StringComparison.OrdinalIgnoreCase)) mul = 1;
        else if (unit.Equals("k", StringComparison.OrdinalIgnoreCase)) mul = 1000;
        else if (unit.Equals("kb", StringComparison.OrdinalIgnoreCase)) mul = 1024;
        else if (unit.Equals("m", StringComparison.OrdinalIgnoreCase)) mul = 1000 * 1000;
        else if (unit.Equals("mb", StringComparison.OrdinalIgnoreCase)) mul = 1024 * 1024;
        else if (unit.Equals("g", StringComparison.OrdinalIgnoreCase)) mul = 1000UL * 1000 * 1000;
        else if (unit.Equals("gb", StringComparison.OrdinalIgnoreCase)) mul = 1024UL * 1024 * 1024;
        else return false;
        if (u >= 128) return false;
        ulong v = 0;
        for (int i = 0; i < u; i++)
        {
            ulong d = (ulong)(s[i] - '0');
            // strtoull saturates at ULLONG_MAX on overflow (Redis does not check errno for that).
            if (v > (ulong.MaxValue - d) / 10)
            {
                v = ulong.MaxValue;
                break;
            }
            v = v * 10 + d;
        }
        value = unchecked(v * mul);
        return true;
    }

    /// <summary>strtoll with the whole string consumed: optional spaces and sign, digits; "" is 0.</summary>
    private static bool TryParseStrtoll(string s, out long value)
    {
        value = 0;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            neg = s[i] == '-';
            i++;
        }
        int start = i;
        long v = 0;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            int d = s[i] - '0';
            v = v > (long.MaxValue - d) / 10 ? long.MaxValue : v * 10 + d;
            i++;
        }
        if (i != s.Length) return false;
        // No digits at all: strtoll consumed nothing, so the end pointer is the start of the string.
        if (i == start && s.Length > 0) return false;
        value = neg ? -v : v;
        return true;
    }

    // ---- access ----

    /// <summary>A parameter by its name or alias, any case.</summary>
    public ConfigParam? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Every name CONFIG GET patterns are matched against: primary names and aliases.</summary>
    public IEnumerable<(string Name, ConfigParam Param)> Names()
    {
        foreach (var p in _ordered)
        {
            yield return (p.Name, p);
            if (p.Alias != null) yield return (p.Alias, p);
        }
    }

    /// <summary>
    /// CONFIG SET of several pairs, atomically, with Redis's checks in its order: unknown names first (over the
    /// whole list), then immutable/protected and duplicates in argument order; then values are set one by one
    /// and on a failure the ones already set are restored. Returns Redis's error text or null.
    /// </summary>
    public string? SetAtRuntime(IReadOnlyList<(string name, string value)> pairs, Client? client = null)
    {
        foreach (var (name, _) in pairs)
            if (Find(name) == null) return $"ERR Unknown option or number of arguments for CONFIG SET - '{name}'";
        // Redis registers an alias as an entry of its own: "replica-read-only" and "slave-read-only" in one
        // CONFIG SET are not duplicates, and errors name the entry that was used.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in pairs)
        {
            var p = Find(name)!;
            if ((p.Flags & ConfigFlags.Immutable) != 0)
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config";
            if ((p.Flags & ConfigFlags.Protected) != 0 && !AllowsProtectedAction(EnableProtectedConfigs, client))
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config";
            if (!seen.Add(EntryName(p, name))) return $"ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter";
        }
        var old = new List<(ConfigParam p, string v)>();
        foreach (var (name, value) in pairs)
        {
            var p = Find(name)!;
            string before = p.Get();
            string? err = p.SetValue(value);
            if (err != null)
            {
                for (int i = old.Count - 1; i >= 0; i--) old[i].p.SetValue(old[i].v);
                return $"ERR CONFIG SET failed (possibly related to argument '{EntryName(p, name)}') - {err}";
            }
            old.Add((p, before));
        }
        foreach (var (p, _) in old) Changed?.Invoke(p.Name);
        return null;
    }

    /// <summary>The registered spelling of the name used: the primary name or the alias.</summary>
    private static string EntryName(ConfigParam p, string used) =>
        p.Alias != null && string.Equals(used, p.Alias, StringComparison.OrdinalIgnoreCase) ? p.Alias : p.Name;

    /// <summary>May <paramref name="client"/> run a protected command (DEBUG, MODULE)?</summary>
    public bool AllowsProtected(CommandDef cmd, Client client)
    {
        string setting = (cmd.Parent ?? cmd).FullName == "module" ? EnableModuleCommand : EnableDebugCommand;
        return AllowsProtectedAction(setting, client);
    }

    private static bool AllowsProtectedAction(string setting, Client? client) =>
        setting == "yes" || (setting == "local" && client != null && IsLocal(client.Addr));

    private static bool IsLocal(string addr)
    {
        int colon = addr.LastIndexOf(':');
        var host = colon > 0 ? addr[..colon] : addr;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}

/// <summary>client-output-buffer-limit for one class of clients.</summary>
public readonly record struct OutputBufferLimit(long Hard, long Soft, long SoftSeconds)
{
    public override string ToString() =>
        $"{((ulong)Hard).ToString(CultureInfo.InvariantCulture)} {((ulong)Soft).ToString(CultureInfo.InvariantCulture)} {SoftSeconds.ToString(CultureInfo.InvariantCulture)}";
}
