namespace Tern.Rdb;

/// <summary>
/// A value as the RDB format carries it, independent of how Redis or Tern keeps it in memory. The reader
/// produces one per key (whatever encoding the file used: ziplist, listpack, intset, quicklist...), the writer
/// consumes one and picks the encoding Redis 7.0 would. Memory is bounded by the largest single value.
/// </summary>
public abstract class RdbValue
{
}

public sealed class RdbString(byte[] value) : RdbValue
{
    public byte[] Value { get; } = value;
}

/// <summary>List elements, head first.</summary>
public sealed class RdbList(List<byte[]> items) : RdbValue
{
    public List<byte[]> Items { get; } = items;
}

/// <summary>Set members; intset members arrive as canonical decimal strings.</summary>
public sealed class RdbSet(List<byte[]> members) : RdbValue
{
    public List<byte[]> Members { get; } = members;
}

public readonly record struct RdbZMember(byte[] Member, double Score);

/// <summary>Sorted set members in file order (which is not necessarily score order).</summary>
public sealed class RdbZSet(List<RdbZMember> members) : RdbValue
{
    public List<RdbZMember> Members { get; } = members;
}

/// <summary>A hash field; <see cref="ExpireAtMs"/> is the absolute unix-ms field TTL (7.4) or 0 for none.</summary>
public readonly record struct RdbHashField(byte[] Field, byte[] Value, long ExpireAtMs);

public sealed class RdbHash(List<RdbHashField> fields) : RdbValue
{
    public List<RdbHashField> Fields { get; } = fields;

    public bool HasFieldTtls
    {
        get
        {
            foreach (var f in Fields) if (f.ExpireAtMs != 0) return true;
            return false;
        }
    }
}

public readonly record struct RdbStreamId(ulong Ms, ulong Seq) : IComparable<RdbStreamId>
{
    public int CompareTo(RdbStreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public override string ToString() => $"{Ms}-{Seq}";
}

/// <summary>A live stream entry: its ID and its field/value pairs (even count: field, value, field, value...).</summary>
public sealed class RdbStreamEntry(RdbStreamId id, byte[][] fieldsAndValues)
{
    public RdbStreamId Id { get; } = id;
    public byte[][] FieldsAndValues { get; } = fieldsAndValues;
}

public readonly record struct RdbPendingEntry(RdbStreamId Id, long DeliveryTimeMs, ulong DeliveryCount);

public sealed class RdbStreamConsumer(byte[] name)
{
    public byte[] Name { get; } = name;
    public long SeenTimeMs { get; set; }

    /// <summary>Last successful interaction (RDB stream type 3); -1 when the file predates it (use SeenTimeMs).</summary>
    public long ActiveTimeMs { get; set; } = -1;

    /// <summary>IDs this consumer owns; each is also in the group's PEL.</summary>
    public List<RdbStreamId> Pending { get; } = [];
}

public sealed class RdbStreamGroup(byte[] name)
{
    public byte[] Name { get; } = name;
    public RdbStreamId LastId { get; set; }

    /// <summary>entries_read; -1 when unknown (RDB stream type 1, or Redis's SCG_INVALID_ENTRIES_READ).</summary>
    public long EntriesRead { get; set; } = -1;

    /// <summary>The group's pending entries list, in ID order.</summary>
    public List<RdbPendingEntry> Pending { get; } = [];

    public List<RdbStreamConsumer> Consumers { get; } = [];
}

public sealed class RdbStream : RdbValue
{
    /// <summary>Live entries in ID order (deleted entries of the file's nodes are dropped).</summary>
    public List<RdbStreamEntry> Entries { get; } = [];

    /// <summary>Number of live entries as the file states it.</summary>
    public ulong Length { get; set; }

    public RdbStreamId LastId { get; set; }

    /// <summary>First live entry ID (type 2+); for type 1 files, the first entry's ID or 0-0.</summary>
    public RdbStreamId FirstId { get; set; }

    public RdbStreamId MaxDeletedId { get; set; }

    /// <summary>entries_added (type 2+); for type 1 files, the length.</summary>
    public ulong EntriesAdded { get; set; }

    public List<RdbStreamGroup> Groups { get; } = [];
}

/// <summary>
/// A module value the reader skipped because the operator asked to skip them: only its name and type id are
/// known. Carried so the loader can count and log what was dropped.
/// </summary>
public sealed class RdbSkippedModule(string moduleName, ulong moduleId) : RdbValue
{
    public string ModuleName { get; } = moduleName;
    public ulong ModuleId { get; } = moduleId;
}
