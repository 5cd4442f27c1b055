namespace Tern.Server.Commands;

/// <summary>Error texts of DUMP, RESTORE and MIGRATE (cluster.c restoreCommand, migrateCommand, migrateGetSocket).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> DumpPayloadWrong => "ERR DUMP payload version or checksum are wrong"u8;
    public static ReadOnlySpan<byte> BadDataFormat => "ERR Bad data format"u8;
    public static ReadOnlySpan<byte> InvalidTtl => "ERR Invalid TTL value, must be >= 0"u8;
    public static ReadOnlySpan<byte> InvalidIdleTime => "ERR Invalid IDLETIME value, must be >= 0"u8;
    public static ReadOnlySpan<byte> InvalidFreq => "ERR Invalid FREQ value, must be >= 0 and <= 255"u8;
    public static ReadOnlySpan<byte> MigrateKeysNeedEmptyKey =>
        "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"u8;

    /// <summary>
    /// A socket error while talking to the target (Redis's socket_err path). A refused or timed-out connect shows as
    /// a write error too: Redis's blocking connect reports success and the first write fails.
    /// </summary>
    public static ReadOnlySpan<byte> MigrateIoWriting => "IOERR error or timeout writing to target instance"u8;
    public static ReadOnlySpan<byte> MigrateIoReading => "IOERR error or timeout reading to target instance"u8;

    /// <summary>"ERR Target instance replied with error: " followed by the target's error line without its '-'.</summary>
    public static ReadOnlySpan<byte> MigrateTargetErrorPrefix => "ERR Target instance replied with error: "u8;
}
