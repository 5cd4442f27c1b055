namespace Tern.Server.Commands;

/// <summary>Error texts of SAVE, BGSAVE and DEBUG RELOAD (rdb.c, debug.c), as Redis 7.0 spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> BgsaveInProgress => "ERR Background save already in progress"u8;

    /// <summary>shared.err: a save that failed (the reason is in the log).</summary>
    public static ReadOnlySpan<byte> Generic => "ERR"u8;

    public static ReadOnlySpan<byte> ReloadOptions => "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."u8;

    public static ReadOnlySpan<byte> ReloadFailed => "ERR Error trying to load the RDB dump"u8;
}
