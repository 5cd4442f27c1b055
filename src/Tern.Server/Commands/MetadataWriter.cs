using System.Text.Json;
using Tern.Protocol;

namespace Tern.Server.Commands;

/// <summary>
/// Replays captured Redis metadata (COMMAND INFO / DOCS entries) as RESP2 or RESP3, listing only the
/// subcommands Tern implements.
/// </summary>
public static class MetadataWriter
{
    /// <summary>Writes a COMMAND INFO entry, with its subcommand list filtered to implemented ones.</summary>
    public static void WriteInfo(ReplyWriter w, CommandDef def)
    {
        var info = def.Info;
        int n = info.GetArrayLength();
        w.ArrayHeader(n);
        for (int i = 0; i < n; i++)
        {
            if (i == 9 && def.Subcommands != null)
            {
                var subs = Implemented(def);
                w.ArrayHeader(subs.Count);
                foreach (var s in subs) WriteInfo(w, s);
            }
            else Write(w, info[i]);
        }
    }

    /// <summary>Writes a COMMAND DOCS map for one command (the value part, without the name).</summary>
    public static void WriteDocs(ReplyWriter w, CommandDef def)
    {
        var docs = def.Docs;
        if (docs.ValueKind != JsonValueKind.Object || !docs.TryGetProperty("%", out var kv))
        {
            w.MapHeader(0);
            return;
        }
        int pairs = kv.GetArrayLength() / 2;
        w.MapHeader(pairs);
        for (int i = 0; i + 1 < kv.GetArrayLength(); i += 2)
        {
            Write(w, kv[i]);
            if (kv[i].GetString() == "subcommands" && def.Subcommands != null)
            {
                var subs = Implemented(def);
                w.MapHeader(subs.Count);
                foreach (var s in subs)
                {
                    w.Bulk(s.FullName);
                    WriteDocs(w, s);
                }
            }
            else Write(w, kv[i + 1]);
        }
    }

    private static List<CommandDef> Implemented(CommandDef def)
    {
        var l = new List<CommandDef>();
        foreach (var s in def.Subcommands!.Values)
            if (s.Handler != null) l.Add(s);
        l.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return l;
    }

    /// <summary>Writes one captured value with its RESP3 type (see tools/capture-command-metadata.py).</summary>
    public static void Write(ReplyWriter w, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                w.Bulk(e.GetString()!);
                break;
            case JsonValueKind.Number:
                w.Integer(e.GetInt64());
                break;
            case JsonValueKind.Null:
                w.Null();
                break;
            case JsonValueKind.Array:
                w.ArrayHeader(e.GetArrayLength());
                foreach (var x in e.EnumerateArray()) Write(w, x);
                break;
            case JsonValueKind.Object:
                if (e.TryGetProperty("+", out var s)) w.Simple(System.Text.Encoding.UTF8.GetBytes(s.GetString()!));
                else if (e.TryGetProperty("%", out var m))
                {
                    w.MapHeader(m.GetArrayLength() / 2);
                    foreach (var x in m.EnumerateArray()) Write(w, x);
                }
                else if (e.TryGetProperty("~", out var set))
                {
                    w.SetHeader(set.GetArrayLength());
                    foreach (var x in set.EnumerateArray()) Write(w, x);
                }
                else if (e.TryGetProperty(",", out var d)) w.Double(double.Parse(d.GetString()!, System.Globalization.CultureInfo.InvariantCulture));
                else if (e.TryGetProperty("#", out var b)) w.Boolean(b.GetBoolean());
                break;
            default:
                w.Null();
                break;
        }
    }
}
