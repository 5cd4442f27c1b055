using System.Globalization;
using System.Net;
using Tern.Server.Commands;
using Tern.Server.Network;

namespace Tern.Server.Configuration;

/// <summary>
/// The server's configuration: typed fields read on hot paths, plus a registry of every parameter by its Redis
/// name for flags, config files and CONFIG GET/SET/REWRITE. Defaults are Redis 7.0's defaults when it starts
/// without a config file.
/// </summary>
public sealed partial class ServerConfig
{
    private readonly Dictionary<string, ConfigParam> _params = new(StringComparer.OrdinalIgnoreCase);
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
    public string LogLevel = "notice";
    public string LogFile = "";
    public long ProtoMaxBulkLen = 512L * 1024 * 1024;
    public long HllSparseMaxBytes = 3000;
    public long SlowlogLogSlowerThan = 10000;
    public long SlowlogMaxLen = 128;
    public long LatencyMonitorThreshold;
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
    public string Save = "3600 1 300 100 60 10000";
    public long LfuLogFactor = 10;
    public long LfuDecayTime = 1;
    public OutputBufferLimit NormalLimit = new(0, 0, 0);
    public OutputBufferLimit ReplicaLimit = new(256L * 1024 * 1024, 64L * 1024 * 1024, 60);
    public OutputBufferLimit PubSubLimit = new(32L * 1024 * 1024, 8L * 1024 * 1024, 60);

    /// <summary>The config file given at start-up, for CONFIG REWRITE (null: none).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Called after a parameter changed at runtime (the server applies it: log level, limits ...).</summary>
    public event Action<string>? Changed;

    public IReadOnlyList<ConfigParam> Parameters => _ordered;

    public ServerConfig()
    {
        Register();
    }

    private void Register()
    {
        Int("port", () => Port, v => Port = (int)v, 0, 65535, ConfigFlags.Immutable);
        Add(new ConfigParam("bind", () => string.Join(' ', Bind), v =>
        {
            var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return "Too many bind addresses specified.";
            Bind = parts;
            return null;
        }, ConfigFlags.Immutable));
        Bool("protected-mode", () => ProtectedMode, v => ProtectedMode = v);
        Str("requirepass", () => RequirePass, v => RequirePass = v, ConfigFlags.Sensitive);
        Int("databases", () => Databases, v => Databases = (int)v, 1, int.MaxValue, ConfigFlags.Immutable);
        Int("maxclients", () => MaxClients, v => MaxClients = v, 1, uint.MaxValue);
        Int("timeout", () => Timeout, v => Timeout = v, 0, int.MaxValue);
        Add(new ConfigParam("dir", () => Dir, v =>
        {
            try
            {
                var full = Path.GetFullPath(v);
                if (!Directory.Exists(full)) return $"No such file or directory";
                Dir = full;
                return null;
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }));
        Str("dbfilename", () => DbFilename, v =>
        {
            if (v.Contains('/')) throw new ConfigException("dbfilename can't be a path, just a filename");
            DbFilename = v;
        });
        Enum("loglevel", () => LogLevel, v => LogLevel = v, "debug", "verbose", "notice", "warning", "nothing");
        Str("logfile", () => LogFile, v => LogFile = v, ConfigFlags.Immutable);
        Memory("proto-max-bulk-len", () => ProtoMaxBulkLen, v => ProtoMaxBulkLen = v, 1024 * 1024, long.MaxValue);
        Memory("hll-sparse-max-bytes", () => HllSparseMaxBytes, v => HllSparseMaxBytes = v, 0, long.MaxValue);
        Int("slowlog-log-slower-than", () => SlowlogLogSlowerThan, v => SlowlogLogSlowerThan = v, -1, long.MaxValue);
        Int("slowlog-max-len", () => SlowlogMaxLen, v => SlowlogMaxLen = v, 0, long.MaxValue);
        Int("latency-monitor-threshold", () => LatencyMonitorThreshold, v => LatencyMonitorThreshold = v, 0, long.MaxValue);
        Enum("enable-debug-command", () => EnableDebugCommand, v => EnableDebugCommand = v, ConfigFlags.Immutable, "no", "yes", "local");
        Enum("enable-module-command", () => EnableModuleCommand, v => EnableModuleCommand = v, ConfigFlags.Immutable, "no", "yes", "local");
        Enum("enable-protected-configs", () => EnableProtectedConfigs, v => EnableProtectedConfigs = v, ConfigFlags.Immutable, "no", "yes", "local");
        Int("hz", () => Hz, v => Hz = Math.Clamp(v, 1, 500), 0, int.MaxValue);
        Memory("maxmemory", () => MaxMemory, v => MaxMemory = v, 0, long.MaxValue);
        Enum("maxmemory-policy", () => MaxMemoryPolicy, v => MaxMemoryPolicy = v,
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction");
        Int("tcp-keepalive", () => TcpKeepAlive, v => TcpKeepAlive = v, 0, int.MaxValue);
        Bool("replica-read-only", () => ReplicaReadOnly, v => ReplicaReadOnly = v, aliases: "slave-read-only");
        Str("masterauth", () => MasterAuth, v => MasterAuth = v, ConfigFlags.Sensitive);
        Str("masteruser", () => MasterUser, v => MasterUser = v);
        Memory("repl-backlog-size", () => ReplBacklogSize, v => ReplBacklogSize = v, 1, long.MaxValue);
        Add(new ConfigParam("save", () => Save, v =>
        {
            var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length % 2 != 0) return "Invalid save parameters";
            foreach (var p in parts)
                if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return "Invalid save parameters";
            Save = string.Join(' ', parts);
            return null;
        }, ConfigFlags.Multi));
        Str("appendonly", () => "no", v =>
        {
            if (!v.Equals("no", StringComparison.OrdinalIgnoreCase))
                throw new ConfigException("argument must be 'no': Tern has no append-only file");
        });
        Int("lfu-log-factor", () => LfuLogFactor, v => LfuLogFactor = v, 0, int.MaxValue);
        Int("lfu-decay-time", () => LfuDecayTime, v => LfuDecayTime = v, 0, int.MaxValue);
        Add(new ConfigParam("client-output-buffer-limit",
            () => $"normal {NormalLimit} slave {ReplicaLimit} pubsub {PubSubLimit}",
            SetOutputBufferLimits, ConfigFlags.Multi));
    }

    /// <summary>CONFIG SET client-output-buffer-limit "class hard soft seconds [class ...]".</summary>
    private string? SetOutputBufferLimits(string v)
    {
        var p = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (p.Length % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
        var parsed = new List<(string cls, OutputBufferLimit lim)>();
        for (int i = 0; i < p.Length; i += 4)
        {
            string cls = p[i].ToLowerInvariant();
            if (cls is not ("normal" or "slave" or "replica" or "pubsub")) return "Invalid client class specified in buffer limit configuration.";
            if (!TryParseMemory(p[i + 1], out long hard) || !TryParseMemory(p[i + 2], out long soft) ||
                !long.TryParse(p[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out long secs) || hard < 0 || soft < 0)
                return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            parsed.Add((cls, new OutputBufferLimit(hard, soft, secs)));
        }
        foreach (var (cls, lim) in parsed)
        {
            if (cls == "normal") NormalLimit = lim;
            else if (cls == "pubsub") PubSubLimit = lim;
            else ReplicaLimit = lim;
        }
        return null;
    }

    // ---- registry helpers ----

    private void Add(ConfigParam p)
    {
        _params[p.Name] = p;
        foreach (var a in p.Aliases) _params[a] = p;
        _ordered.Add(p);
    }

    private void Int(string name, Func<long> get, Action<long> set, long min, long max, ConfigFlags flags = ConfigFlags.None, params string[] aliases) =>
        Add(new ConfigParam(name, () => get().ToString(CultureInfo.InvariantCulture), v =>
        {
            if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                return "argument couldn't be parsed into an integer";
            if (n < min || n > max) return $"argument must be between {min} and {max} inclusive";
            set(n);
            return null;
        }, flags, aliases));

    private void Memory(string name, Func<long> get, Action<long> set, long min, long max, ConfigFlags flags = ConfigFlags.None) =>
        Add(new ConfigParam(name, () => get().ToString(CultureInfo.InvariantCulture), v =>
        {
            if (!TryParseMemory(v, out long n)) return "argument must be a memory value";
            if (n < min || n > max) return $"argument must be between {min} and {max} inclusive";
            set(n);
            return null;
        }, flags));

    private void Bool(string name, Func<bool> get, Action<bool> set, ConfigFlags flags = ConfigFlags.None, params string[] aliases) =>
        Add(new ConfigParam(name, () => get() ? "yes" : "no", v =>
        {
            if (v.Equals("yes", StringComparison.OrdinalIgnoreCase)) set(true);
            else if (v.Equals("no", StringComparison.OrdinalIgnoreCase)) set(false);
            else return "argument must be 'yes' or 'no'";
            return null;
        }, flags, aliases));

    private void Str(string name, Func<string> get, Action<string> set, ConfigFlags flags = ConfigFlags.None) =>
        Add(new ConfigParam(name, get, v =>
        {
            try
            {
                set(v);
                return null;
            }
            catch (ConfigException e)
            {
                return e.Message;
            }
        }, flags));

    private void Enum(string name, Func<string> get, Action<string> set, params string[] values) =>
        Enum(name, get, set, ConfigFlags.None, values);

    private void Enum(string name, Func<string> get, Action<string> set, ConfigFlags flags, params string[] values) =>
        Add(new ConfigParam(name, get, v =>
        {
            foreach (var allowed in values)
            {
                if (allowed.Equals(v, StringComparison.OrdinalIgnoreCase))
                {
                    set(allowed);
                    return null;
                }
            }
            return "argument(s) must be one of the following: " + string.Join(", ", values);
        }, flags));

    /// <summary>Parses "100", "1k" (1000), "1kb" (1024), "2gb" as Redis's memtoull does.</summary>
    public static bool TryParseMemory(string s, out long value)
    {
        value = 0;
        s = s.Trim();
        long mul = 1;
        string digits = s;
        string lower = s.ToLowerInvariant();
        (string suffix, long m)[] units = [("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024L * 1024 * 1024), ("k", 1000), ("m", 1000_000), ("g", 1000_000_000), ("b", 1)];
        foreach (var (suffix, m) in units)
        {
            if (lower.EndsWith(suffix, StringComparison.Ordinal))
            {
                mul = m;
                digits = s[..^suffix.Length];
                break;
            }
        }
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return false;
        value = checked(n * mul);
        return true;
    }

    // ---- access ----

    public ConfigParam? Find(string name) => _params.GetValueOrDefault(name);

    /// <summary>Sets one parameter at start-up (flags, config file); immutables allowed. Returns an error or null.</summary>
    public string? SetAtStartup(string name, string value)
    {
        var p = Find(name);
        if (p == null) return $"Bad directive or wrong number of arguments";
        return p.Set(value);
    }

    /// <summary>
    /// CONFIG SET of several pairs, atomically: all are validated and applied, and if one fails the ones
    /// already applied are restored. Returns Redis's error text or null.
    /// </summary>
    public string? SetAtRuntime(IReadOnlyList<(string name, string value)> pairs)
    {
        var seen = new HashSet<ConfigParam>();
        foreach (var (name, _) in pairs)
        {
            var p = Find(name);
            if (p == null) return $"ERR Unknown option or number of arguments for CONFIG SET - '{name}'";
            if (!seen.Add(p)) return $"ERR Duplicate parameter - {name}";
            if ((p.Flags & ConfigFlags.Immutable) != 0)
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config";
            if ((p.Flags & ConfigFlags.Protected) != 0 && EnableProtectedConfigs == "no")
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config";
        }
        var old = new List<(ConfigParam p, string v)>();
        foreach (var (name, value) in pairs)
        {
            var p = Find(name)!;
            string before = p.Get();
            string? err = p.Set(value);
            if (err != null)
            {
                for (int i = old.Count - 1; i >= 0; i--) old[i].p.Set(old[i].v);
                return $"ERR CONFIG SET failed (possibly related to argument '{name}') - {err}";
            }
            old.Add((p, before));
        }
        foreach (var (p, _) in old) Changed?.Invoke(p.Name);
        return null;
    }

    /// <summary>Parameters whose name matches a glob (CONFIG GET), each once.</summary>
    public IEnumerable<ConfigParam> Match(ReadOnlySpan<byte> pattern)
    {
        var result = new List<ConfigParam>();
        foreach (var p in _ordered)
        {
            if (Glob.Match(pattern, System.Text.Encoding.ASCII.GetBytes(p.Name), ignoreCase: true)) result.Add(p);
            else
            {
                foreach (var a in p.Aliases)
                {
                    if (Glob.Match(pattern, System.Text.Encoding.ASCII.GetBytes(a), ignoreCase: true))
                    {
                        result.Add(p);
                        break;
                    }
                }
            }
        }
        return result;
    }

    /// <summary>May <paramref name="client"/> run a protected command (DEBUG, MODULE)?</summary>
    public bool AllowsProtected(CommandDef cmd, Client client)
    {
        string setting = (cmd.Parent ?? cmd).FullName == "module" ? EnableModuleCommand : EnableDebugCommand;
        return setting == "yes" || (setting == "local" && IsLocal(client.Addr));
    }

    private static bool IsLocal(string addr)
    {
        int colon = addr.LastIndexOf(':');
        var host = colon > 0 ? addr[..colon] : addr;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}

/// <summary>A validation failure inside a setter.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>client-output-buffer-limit for one class of clients.</summary>
public readonly record struct OutputBufferLimit(long Hard, long Soft, long SoftSeconds)
{
    public override string ToString() => $"{Hard} {Soft} {SoftSeconds}";
}
