namespace Tern.Rdb;

/// <summary>What is known about a key besides its value: database, expiry and the LRU/LFU hints of the file.</summary>
public readonly record struct RdbKey(int Db, byte[] Name, long ExpireAtMs, long IdleSeconds, int Freq)
{
    public const long NoExpire = -1;

    public bool HasExpire => ExpireAtMs != NoExpire;
}

/// <summary>
/// Receives what <see cref="RdbReader"/> reads, in file order. Implemented by the server's loader (into a
/// keyspace), by the replica link, and by tests. The reader stays independent of the server.
/// </summary>
public interface IRdbSink
{
    /// <summary>After the "REDISnnnn" header.</summary>
    void OnHeader(int version);

    /// <summary>An AUX field (redis-ver, ctime, repl-id, repl-offset, repl-stream-db, lua, ...), raw bytes.</summary>
    void OnAux(byte[] name, byte[] value);

    void OnSelectDb(int db);

    void OnResizeDb(ulong keys, ulong expires);

    /// <summary>A function library's source (FUNCTION2 opcode, or the 7.0-rc FUNCTION opcode's code), unchanged.</summary>
    void OnFunction(byte[] librarySource);

    void OnKey(in RdbKey key, RdbValue value);

    /// <summary>After the EOF opcode and a verified checksum.</summary>
    void OnEnd(ulong checksum);
}
