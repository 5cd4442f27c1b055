namespace Tern.Server.Storage;

/// <summary>
/// A key holding a collection (list, hash, set, sorted set, stream). Small strings never use this: they are one
/// packed byte array (<see cref="PackedString"/>), so a string key costs one heap object. A collection key costs
/// this object plus its structure.
/// </summary>
public abstract class StoredObject
{
    protected StoredObject(byte[] key) => Key = key;

    /// <summary>The key's bytes.</summary>
    public byte[] Key { get; internal set; }

    /// <summary>Absolute expiry in unix milliseconds, 0 when the key has none.</summary>
    public long ExpireAt { get; internal set; }

    /// <summary>24-bit access clock, as Redis's LRU field (see <see cref="LruClock"/>).</summary>
    public uint Lru { get; internal set; }

    public abstract ValueKind Kind { get; }

    /// <summary>OBJECT ENCODING's answer for the current representation.</summary>
    public abstract ReadOnlySpan<byte> Encoding { get; }

    /// <summary>A copy under another key (COPY, RENAME keep the value; COPY must not share it).</summary>
    public abstract StoredObject CloneWithKey(byte[] key);

    /// <summary>Approximate bytes used, for MEMORY USAGE and INFO memory.</summary>
    public abstract long MemoryUsage { get; }
}
