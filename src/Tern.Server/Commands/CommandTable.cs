using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Tern.Server.Commands;

/// <summary>
/// The commands Tern implements. Metadata (arity, flags, key positions, docs) comes from Redis itself, captured
/// by tools/capture-command-metadata.py into Metadata/commands.json; code only binds handlers to names. A name
/// without a handler is absent: it answers "unknown command" and COMMAND does not list it. Metadata/overrides.json
/// adds or replaces entries (commands of later Redis versions Tern has, e.g. CLIENT SETINFO of 7.2), each with a
/// "_note" naming its source.
/// </summary>
public sealed class CommandTable
{
    private static readonly Lazy<JsonDocument> Metadata = new(() => LoadResource("commands.json"));
    private static readonly Lazy<JsonDocument> OverrideMetadata = new(() => LoadResource("overrides.json"));
    private readonly Dictionary<string, CommandDef> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, CommandDef> _byHash = [];
    private readonly List<CommandDef> _all = [];

    /// <summary>The Redis version the metadata was captured from.</summary>
    public static string RedisVersion => Metadata.Value.RootElement.GetProperty("redis_version").GetString()!;

    /// <summary>Top-level commands with a handler or implemented subcommands.</summary>
    public IEnumerable<CommandDef> Commands => _byName.Values;

    /// <summary>Every command and subcommand (statistics ids index this list).</summary>
    public IReadOnlyList<CommandDef> All => _all;

    public int Count => _byName.Count;

    private static JsonDocument LoadResource(string file)
    {
        using var s = typeof(CommandTable).Assembly.GetManifestResourceStream("Tern.Server.Commands.Metadata." + file)
            ?? throw new InvalidOperationException($"command metadata resource {file} missing");
        return JsonDocument.Parse(s);
    }

    /// <summary>
    /// An entry of Metadata/overrides.json ({"info": ..., "docs": ...} keyed by full name, "client|setinfo"):
    /// metadata of commands newer than the captured Redis version, transcribed from Redis's command JSON files.
    /// It takes precedence over the generated commands.json, which stays untouched.
    /// </summary>
    private static bool TryGetOverride(string fullName, out JsonElement entry) =>
        OverrideMetadata.Value.RootElement.GetProperty("commands").TryGetProperty(fullName, out entry);

    /// <summary>
    /// Binds <paramref name="handler"/> to a command ("get") or subcommand ("config|get").
    /// Fails at start-up when Redis has no such command, so names cannot drift.
    /// </summary>
    public CommandDef Add(string name, CommandHandler handler, KeyExtractor? keys = null, bool locksAll = false)
    {
        var commands = Metadata.Value.RootElement.GetProperty("commands");
        int bar = name.IndexOf('|');
        CommandDef def;
        if (bar < 0)
        {
            if (!TryGetOverride(name, out var m) && !commands.TryGetProperty(name, out m))
                throw new InvalidOperationException($"no Redis metadata for command '{name}'");
            def = GetOrCreate(name, m);
        }
        else
        {
            string parentName = name[..bar];
            if (!TryGetOverride(parentName, out var pm) && !commands.TryGetProperty(parentName, out pm))
                throw new InvalidOperationException($"no Redis metadata for command '{parentName}'");
            var parent = GetOrCreate(parentName, pm);
            parent.Subcommands ??= new(StringComparer.Ordinal);
            JsonElement? info = null;
            JsonElement docs = default;
            if (TryGetOverride(name, out var om))
            {
                info = om.GetProperty("info");
                docs = om.GetProperty("docs");
            }
            else
            {
                foreach (var sub in pm.GetProperty("info")[9].EnumerateArray())
                    if (sub[0].GetString() == name) info = sub;
                if (pm.GetProperty("docs").ValueKind == JsonValueKind.Object &&
                    TryGetMapValue(pm.GetProperty("docs"), "subcommands", out var subDocs))
                    TryGetMapValue(subDocs, name, out docs);
            }
            if (info == null) throw new InvalidOperationException($"no Redis metadata for subcommand '{name}'");
            def = new CommandDef(name, info.Value, docs) { Parent = parent, Id = _all.Count };
            def.NameBytes = Encoding.ASCII.GetBytes(name[(bar + 1)..]);
            _all.Add(def);
            parent.Subcommands[name[(bar + 1)..]] = def;
        }
        def.Handler = handler;
        def.KeyExtractor = keys;
        def.LocksAll = locksAll;
        return def;
    }

    private CommandDef GetOrCreate(string name, JsonElement m)
    {
        if (_byName.TryGetValue(name, out var d)) return d;
        d = new CommandDef(name, m.GetProperty("info"), m.GetProperty("docs")) { Id = _all.Count };
        _all.Add(d);
        _byName[name] = d;
        ulong h = HashName(d.NameBytes);
        if (!_byHash.TryAdd(h, d)) throw new InvalidOperationException($"command name hash collision: {name}");
        return d;
    }

    /// <summary>Reads a value from a metadata map ({"%": [k, v, ...]}).</summary>
    public static bool TryGetMapValue(JsonElement map, string key, out JsonElement value)
    {
        if (map.ValueKind == JsonValueKind.Object && map.TryGetProperty("%", out var kv))
        {
            for (int i = 0; i + 1 < kv.GetArrayLength(); i += 2)
            {
                if (kv[i].ValueKind == JsonValueKind.String && kv[i].GetString() == key)
                {
                    value = kv[i + 1];
                    return true;
                }
            }
        }
        value = default;
        return false;
    }

    /// <summary>FNV-1a over the ASCII-lower-cased name; command names are short.</summary>
    private static ulong HashName(ReadOnlySpan<byte> name)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in name)
        {
            byte c = (uint)(b - 'A') <= 25 ? (byte)(b | 0x20) : b;
            h = (h ^ c) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>Finds a top-level command by name, any case, without allocating.</summary>
    public CommandDef? Find(ReadOnlySpan<byte> name)
    {
        if (!_byHash.TryGetValue(HashName(name), out var d)) return null;
        return System.Text.Ascii.EqualsIgnoreCase(d.NameBytes, name) && d.Handler != null | d.Subcommands != null ? d : null;
    }

    /// <summary>Finds a subcommand of a container by name, any case.</summary>
    public static CommandDef? FindSub(CommandDef container, ReadOnlySpan<byte> sub)
    {
        if (container.Subcommands == null || sub.Length > 64) return null;
        Span<char> lower = stackalloc char[sub.Length];
        for (int i = 0; i < sub.Length; i++)
        {
            byte b = sub[i];
            lower[i] = (char)((uint)(b - 'A') <= 25 ? (b | 0x20) : b);
        }
        var lookup = container.Subcommands.GetAlternateLookup<ReadOnlySpan<char>>();
        return lookup.TryGetValue(lower, out var d) ? d : null;
    }

    /// <summary>Looks up a command by full lower-case name ("config|get") for COMMAND INFO and tests.</summary>
    public CommandDef? FindByFullName(string name)
    {
        int bar = name.IndexOf('|');
        if (bar < 0) return _byName.TryGetValue(name, out var d) ? d : null;
        if (!_byName.TryGetValue(name[..bar], out var p) || p.Subcommands == null) return null;
        return p.Subcommands.TryGetValue(name[(bar + 1)..], out var s) ? s : null;
    }
}
