using System.Text;
using System.Text.Json;
using Tern.Protocol;
using Tern.Server.Commands;

namespace Tern.Server.Families;

/// <summary>
/// Finds the keys of a full command and how they are accessed, as COMMAND GETKEYS / GETKEYSANDFLAGS do in Redis
/// 7.0: from the key specs captured in the command metadata (begin search by index or keyword, find keys by
/// range or numkeys), falling back, when a spec cannot say (unknown or incomplete specs, variable flags), to
/// the command-specific rules Redis has for SET, BITFIELD and SORT, then to the command's own key extractor.
/// </summary>
internal static class CommandKeys
{
    /// <summary>One key: its argument index (0 is the command name) and its access flags in Redis's order.</summary>
    internal readonly record struct KeyRef(int Pos, string[] Flags);

    private sealed class Spec
    {
        public string[] Flags = [];
        public string BeginType = "unknown";
        public int Index;
        public string Keyword = "";
        public int StartFrom;
        public string FindType = "unknown";
        public int LastKey, KeyStep = 1, Limit, KeyNumIdx, FirstKey;
        public bool Has(string flag) => Array.IndexOf(Flags, flag) >= 0;
    }

    // Parsed specs per command; weak keys, so command tables of stopped servers can go.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CommandDef, Spec[]> Cache = [];

    private static Spec[] Specs(CommandDef def) => Cache.GetValue(def, Parse);

    private static Spec[] Parse(CommandDef def)
    {
        var list = new List<Spec>();
        var info = def.Info;
        if (info.ValueKind == JsonValueKind.Array && info.GetArrayLength() > 8 &&
            info[8].TryGetProperty("~", out var specs))
        {
            foreach (var s in specs.EnumerateArray())
            {
                var spec = new Spec();
                if (CommandTable.TryGetMapValue(s, "flags", out var flags) && flags.TryGetProperty("~", out var fl))
                {
                    var names = new List<string>();
                    foreach (var f in fl.EnumerateArray()) names.Add(f.GetProperty("+").GetString()!);
                    spec.Flags = [.. names];
                }
                if (CommandTable.TryGetMapValue(s, "begin_search", out var bs))
                {
                    CommandTable.TryGetMapValue(bs, "type", out var t);
                    spec.BeginType = t.GetString() ?? "unknown";
                    CommandTable.TryGetMapValue(bs, "spec", out var sp);
                    if (CommandTable.TryGetMapValue(sp, "index", out var idx)) spec.Index = idx.GetInt32();
                    if (CommandTable.TryGetMapValue(sp, "keyword", out var kw)) spec.Keyword = kw.GetString() ?? "";
                    if (CommandTable.TryGetMapValue(sp, "startfrom", out var sf)) spec.StartFrom = sf.GetInt32();
                }
                if (CommandTable.TryGetMapValue(s, "find_keys", out var fk))
                {
                    CommandTable.TryGetMapValue(fk, "type", out var t);
                    spec.FindType = t.GetString() ?? "unknown";
                    CommandTable.TryGetMapValue(fk, "spec", out var sp);
                    if (CommandTable.TryGetMapValue(sp, "lastkey", out var lk)) spec.LastKey = lk.GetInt32();
                    if (CommandTable.TryGetMapValue(sp, "keystep", out var ks)) spec.KeyStep = ks.GetInt32();
                    if (CommandTable.TryGetMapValue(sp, "limit", out var lim)) spec.Limit = lim.GetInt32();
                    if (CommandTable.TryGetMapValue(sp, "keynumidx", out var kn)) spec.KeyNumIdx = kn.GetInt32();
                    if (CommandTable.TryGetMapValue(sp, "firstkey", out var fkk)) spec.FirstKey = fkk.GetInt32();
                }
                list.Add(spec);
            }
        }
        return [.. list];
    }

    /// <summary>Redis's doesCommandHaveKeys: a key spec that is not "not_key", or a key extractor.</summary>
    public static bool HasKeys(CommandDef def)
    {
        if (def.KeyExtractor != null) return true;
        foreach (var s in Specs(def))
            if (!s.Has("not_key")) return true;
        return false;
    }

    /// <summary>The keys of <paramref name="args"/> (args[0] is the command name); empty when none are found.</summary>
    public static List<KeyRef> Find(CommandDef def, IReadOnlyList<byte[]> args)
    {
        var specs = Specs(def);
        bool hasKeySpec = false, varFlags = false;
        foreach (var s in specs)
        {
            if (!s.Has("not_key")) hasKeySpec = true;
            if (s.Has("variable_flags")) varFlags = true;
        }
        if (hasKeySpec && !varFlags)
        {
            var keys = UsingSpecs(def, specs, args);
            if (keys != null) return keys;
        }
        return Native(def, specs, args);
    }

    private static List<KeyRef>? UsingSpecs(CommandDef def, Spec[] specs, IReadOnlyList<byte[]> args)
    {
        int argc = args.Count;
        var result = new List<KeyRef>();
        foreach (var spec in specs)
        {
            if (spec.Has("not_key")) continue;
            int first = 0, last, step;
            if (spec.BeginType == "index") first = spec.Index;
            else if (spec.BeginType == "keyword")
            {
                int start = spec.StartFrom > 0 ? spec.StartFrom : argc + spec.StartFrom;
                int end = spec.StartFrom > 0 ? argc - 1 : 1;
                // As Redis, the search stops before the end index.
                for (int i = start; i != end; i = start <= end ? i + 1 : i - 1)
                {
                    if (i >= argc || i < 1) break;
                    if (Ascii.EqualsIgnoreCase(args[i], Encoding.ASCII.GetBytes(spec.Keyword)))
                    {
                        first = i + 1;
                        break;
                    }
                }
                if (first == 0) continue;
            }
            else return null;

            if (spec.FindType == "range")
            {
                step = spec.KeyStep;
                if (spec.LastKey >= 0) last = first + spec.LastKey;
                else if (spec.Limit == 0) last = argc + spec.LastKey;
                else last = first + ((argc - first) / spec.Limit + spec.LastKey);
            }
            else if (spec.FindType == "keynum")
            {
                step = spec.KeyStep;
                if (spec.KeyNumIdx >= argc || first + spec.KeyNumIdx >= argc) return null;
                if (!RespNumber.TryParseInt64(args[first + spec.KeyNumIdx], out long numkeys) || numkeys < 0) return null;
                first += spec.FirstKey;
                last = first + (int)numkeys - 1;
            }
            else return null;

            if (last >= argc || last < first || first >= argc) return null;
            for (int i = first; i <= last; i += step)
            {
                // Commands with a variable number of arguments may stop short; the command reports that itself.
                if (i >= argc || i < first) continue;
                result.Add(new KeyRef(i, spec.Flags));
            }
            if (spec.Has("incomplete")) return null;
        }
        return result;
    }

    private static List<KeyRef> Native(CommandDef def, Spec[] specs, IReadOnlyList<byte[]> args)
    {
        int argc = args.Count;
        string[] rw = ["RW", "access", "update"], ow = ["OW", "update"], ro = ["RO", "access"];
        switch (def.FullName)
        {
            case "set":
            {
                // GET makes SET read the old value.
                for (int i = 3; i < argc; i++)
                    if (Ascii.EqualsIgnoreCase(args[i], "GET"u8)) return [new KeyRef(1, rw)];
                return [new KeyRef(1, ow)];
            }
            case "bitfield":
            {
                bool readOnly = true;
                for (int i = 2; i < argc; i++)
                {
                    int rem = argc - i - 1;
                    if (Ascii.EqualsIgnoreCase(args[i], "GET"u8) && rem >= 2) i += 2;
                    else if ((Ascii.EqualsIgnoreCase(args[i], "SET"u8) || Ascii.EqualsIgnoreCase(args[i], "INCRBY"u8)) && rem >= 3)
                    {
                        readOnly = false;
                        break;
                    }
                    else if (Ascii.EqualsIgnoreCase(args[i], "OVERFLOW"u8) && rem >= 1) i += 1;
                    else
                    {
                        readOnly = false;
                        break;
                    }
                }
                return [new KeyRef(1, readOnly ? ro : rw)];
            }
            case "sort_ro":
                return [new KeyRef(1, ro)];
            case "sort":
            {
                var keys = new List<KeyRef> { new(1, ro) };
                int store = -1;
                for (int i = 2; i < argc; i++)
                {
                    if (Ascii.EqualsIgnoreCase(args[i], "LIMIT"u8)) i += 2;
                    else if (Ascii.EqualsIgnoreCase(args[i], "GET"u8) || Ascii.EqualsIgnoreCase(args[i], "BY"u8)) i += 1;
                    else if (Ascii.EqualsIgnoreCase(args[i], "STORE"u8) && i + 1 < argc) store = i + 1;
                }
                if (store > 0) keys.Add(new KeyRef(store, ow));
                return keys;
            }
        }
        if (def.KeyExtractor != null)
        {
            // The command's own extractor knows the positions; the flags are those of its first key spec.
            var cmd = CommandArgs.From([.. args]);
            // At most one key per argument.
            var pos = new int[args.Count];
            int n = def.KeyExtractor(cmd, pos);
            var flags = specs.Length > 0 ? specs[0].Flags : [];
            var keys = new List<KeyRef>();
            for (int i = 0; i < n && i < pos.Length; i++) keys.Add(new KeyRef(pos[i], flags));
            return keys;
        }
        return [];
    }
}
