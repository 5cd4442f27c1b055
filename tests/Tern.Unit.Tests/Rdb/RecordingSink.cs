using System.Text;
using Tern.Rdb;

namespace Tern.Unit.Tests.Rdb;

/// <summary>Collects everything an RdbReader delivers, for assertions.</summary>
internal sealed class RecordingSink : IRdbSink
{
    public int Version = -1;
    public readonly List<(string Name, string Value)> Aux = [];
    public readonly List<int> SelectedDbs = [];
    public readonly List<(ulong Keys, ulong Expires)> Resizes = [];
    public readonly List<byte[]> Functions = [];
    public readonly List<(RdbKey Key, RdbValue Value)> Keys = [];
    public ulong? EndChecksum;

    public void OnHeader(int version) => Version = version;
    public void OnAux(byte[] name, byte[] value) => Aux.Add((S(name), S(value)));
    public void OnSelectDb(int db) => SelectedDbs.Add(db);
    public void OnResizeDb(ulong keys, ulong expires) => Resizes.Add((keys, expires));
    public void OnFunction(byte[] librarySource) => Functions.Add(librarySource);
    public void OnKey(in RdbKey key, RdbValue value) => Keys.Add((key, value));
    public void OnEnd(ulong checksum) => EndChecksum = checksum;

    public static string S(byte[] b) => Encoding.Latin1.GetString(b);

    public RdbValue Get(string key, int db = 0)
    {
        foreach (var (k, v) in Keys)
            if (k.Db == db && S(k.Name) == key) return v;
        throw new KeyNotFoundException(key);
    }

    public RdbKey KeyOf(string key, int db = 0)
    {
        foreach (var (k, _) in Keys)
            if (k.Db == db && S(k.Name) == key) return k;
        throw new KeyNotFoundException(key);
    }

    /// <summary>A compact text form of a value, for readable assertions.</summary>
    public static string Show(RdbValue v)
    {
        var sb = new StringBuilder();
        switch (v)
        {
            case RdbString s:
                sb.Append("string:").Append(S(s.Value));
                break;
            case RdbList l:
                sb.Append("list:[").AppendJoin(",", l.Items.Select(S)).Append(']');
                break;
            case RdbSet st:
                sb.Append("set:{").AppendJoin(",", st.Members.Select(S).Order(StringComparer.Ordinal)).Append('}');
                break;
            case RdbZSet z:
                sb.Append("zset:{").AppendJoin(",", z.Members.OrderBy(m => m.Score).ThenBy(m => S(m.Member), StringComparer.Ordinal)
                    .Select(m => S(m.Member) + "=" + m.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).Append('}');
                break;
            case RdbHash h:
                sb.Append("hash:{").AppendJoin(",", h.Fields.Select(f => S(f.Field) + "=" + S(f.Value) + (f.ExpireAtMs != 0 ? "@" + f.ExpireAtMs : ""))
                    .Order(StringComparer.Ordinal)).Append('}');
                break;
            case RdbStream st:
                sb.Append("stream:len=").Append(st.Length).Append(",last=").Append(st.LastId).Append(",first=").Append(st.FirstId)
                    .Append(",maxdel=").Append(st.MaxDeletedId).Append(",added=").Append(st.EntriesAdded).Append(",entries=[");
                sb.AppendJoin(";", st.Entries.Select(e => e.Id + " " + string.Join(" ", e.FieldsAndValues.Select(S))));
                sb.Append("],groups=[");
                foreach (var g in st.Groups)
                {
                    sb.Append(S(g.Name)).Append(" last=").Append(g.LastId).Append(" read=").Append(g.EntriesRead)
                        .Append(" pel=").AppendJoin("|", g.Pending.Select(p => p.Id + "x" + p.DeliveryCount)).Append(" consumers=")
                        .AppendJoin("|", g.Consumers.Select(c => S(c.Name) + ":" + string.Join("/", c.Pending)));
                    sb.Append(';');
                }
                sb.Append(']');
                break;
            case RdbSkippedModule m:
                sb.Append("module:").Append(m.ModuleName);
                break;
        }
        return sb.ToString();
    }

    public string Dump()
    {
        var sb = new StringBuilder();
        sb.Append("version ").Append(Version).AppendLine();
        foreach (var a in Aux) sb.Append("aux ").Append(a.Name).Append('=').Append(a.Value.Length > 80 ? a.Value[..80] + "..." : a.Value).AppendLine();
        foreach (var f in Functions) sb.Append("function ").Append(S(f)).AppendLine();
        foreach (var (k, v) in Keys)
            sb.Append("db").Append(k.Db).Append(' ').Append(S(k.Name)).Append(k.HasExpire ? " expire=" + k.ExpireAtMs : "").Append(' ')
                .Append(Show(v)).AppendLine();
        sb.Append("end ").Append(EndChecksum?.ToString("x16") ?? "none").AppendLine();
        return sb.ToString();
    }
}
