namespace Tern.Server.Configuration;

/// <summary>
/// Thresholds that decide when a small collection leaves its compact encoding, and keyspace notification
/// classes: Redis 7.0's names, aliases and defaults.
/// </summary>
public sealed partial class ServerConfig
{
    public long ListMaxListpackSize = -2;
    public long ListCompressDepth;
    public long HashMaxListpackEntries = 512;
    public long HashMaxListpackValue = 64;
    public long SetMaxIntsetEntries = 512;
    public long ZSetMaxListpackEntries = 128;
    public long ZSetMaxListpackValue = 64;
    public long StreamNodeMaxBytes = 4096;
    public long StreamNodeMaxEntries = 100;
    public long HllSparseMaxBytes = 3000;

    /// <summary>notify-keyspace-events as given (CONFIG GET prints it normalized, see <see cref="NotifyFlagsText"/>).</summary>
    public int NotifyKeyspaceEvents;

    private void RegisterEncodings()
    {
        Int("list-max-listpack-size", () => ListMaxListpackSize, v => ListMaxListpackSize = v, int.MinValue, int.MaxValue, alias: "list-max-ziplist-size");
        Int("list-compress-depth", () => ListCompressDepth, v => ListCompressDepth = v, 0, int.MaxValue);
        Memory("hash-max-listpack-entries", () => HashMaxListpackEntries, v => HashMaxListpackEntries = v, 0, long.MaxValue, alias: "hash-max-ziplist-entries");
        Memory("hash-max-listpack-value", () => HashMaxListpackValue, v => HashMaxListpackValue = v, 0, long.MaxValue, alias: "hash-max-ziplist-value");
        Memory("set-max-intset-entries", () => SetMaxIntsetEntries, v => SetMaxIntsetEntries = v, 0, long.MaxValue);
        Memory("zset-max-listpack-entries", () => ZSetMaxListpackEntries, v => ZSetMaxListpackEntries = v, 0, long.MaxValue, alias: "zset-max-ziplist-entries");
        Memory("zset-max-listpack-value", () => ZSetMaxListpackValue, v => ZSetMaxListpackValue = v, 0, long.MaxValue, alias: "zset-max-ziplist-value");
        Memory("stream-node-max-bytes", () => StreamNodeMaxBytes, v => StreamNodeMaxBytes = v, 0, long.MaxValue);
        Int("stream-node-max-entries", () => StreamNodeMaxEntries, v => StreamNodeMaxEntries = v, 0, long.MaxValue);
        Memory("hll-sparse-max-bytes", () => HllSparseMaxBytes, v => HllSparseMaxBytes = v, 0, long.MaxValue);
        Add(new ConfigParam("notify-keyspace-events", ConfigType.String, () => NotifyFlagsText(NotifyKeyspaceEvents), args =>
        {
            int flags = ParseNotifyFlags(args[0]);
            if (flags < 0) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            NotifyKeyspaceEvents = flags;
            return null;
        }));
    }

    /// <summary>Notification class bits, as Redis's NOTIFY_* values.</summary>
    public static class Notify
    {
        public const int Keyspace = 1 << 0;   // K
        public const int Keyevent = 1 << 1;   // E
        public const int Generic = 1 << 2;    // g
        public const int String = 1 << 3;     // $
        public const int List = 1 << 4;       // l
        public const int Set = 1 << 5;        // s
        public const int Hash = 1 << 6;       // h
        public const int ZSet = 1 << 7;       // z
        public const int Expired = 1 << 8;    // x
        public const int Evicted = 1 << 9;    // e
        public const int Stream = 1 << 10;    // t
        public const int KeyMiss = 1 << 11;   // m (not part of A)
        public const int Loaded = 1 << 12;    // module only
        public const int Module = 1 << 13;    // d
        public const int New = 1 << 14;       // n (not part of A)
        public const int All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module; // A
    }

    /// <summary>Parses "KEA"-style classes; -1 on an unknown character (keyspaceEventsStringToFlags).</summary>
    public static int ParseNotifyFlags(string s)
    {
        int f = 0;
        foreach (char c in s)
        {
            f |= c switch
            {
                'A' => Notify.All,
                'g' => Notify.Generic,
                '$' => Notify.String,
                'l' => Notify.List,
                's' => Notify.Set,
                'h' => Notify.Hash,
                'z' => Notify.ZSet,
                'x' => Notify.Expired,
                'e' => Notify.Evicted,
                'K' => Notify.Keyspace,
                'E' => Notify.Keyevent,
                't' => Notify.Stream,
                'm' => Notify.KeyMiss,
                'd' => Notify.Module,
                'n' => Notify.New,
                _ => -1,
            };
            if (f < 0) return -1;
        }
        return f;
    }

    /// <summary>The flags as CONFIG GET prints them (keyspaceEventsFlagsToString).</summary>
    public static string NotifyFlagsText(int f)
    {
        var sb = new System.Text.StringBuilder();
        if ((f & Notify.All) == Notify.All) sb.Append('A');
        else
        {
            if ((f & Notify.Generic) != 0) sb.Append('g');
            if ((f & Notify.String) != 0) sb.Append('$');
            if ((f & Notify.List) != 0) sb.Append('l');
            if ((f & Notify.Set) != 0) sb.Append('s');
            if ((f & Notify.Hash) != 0) sb.Append('h');
            if ((f & Notify.ZSet) != 0) sb.Append('z');
            if ((f & Notify.Expired) != 0) sb.Append('x');
            if ((f & Notify.Evicted) != 0) sb.Append('e');
            if ((f & Notify.Stream) != 0) sb.Append('t');
            if ((f & Notify.Module) != 0) sb.Append('d');
        }
        if ((f & Notify.Keyspace) != 0) sb.Append('K');
        if ((f & Notify.Keyevent) != 0) sb.Append('E');
        if ((f & Notify.KeyMiss) != 0) sb.Append('m');
        if ((f & Notify.New) != 0) sb.Append('n');
        return sb.ToString();
    }
}
