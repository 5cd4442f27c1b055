namespace Tern.Server.Commands;

/// <summary>Error texts of the bit commands (bitops.c).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> BitArgument => "ERR The bit argument must be 1 or 0."u8;
    public static ReadOnlySpan<byte> BitOpNotSingleKey => "ERR BITOP NOT must be called with a single source key."u8;
    public static ReadOnlySpan<byte> BitfieldType => "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."u8;
    public static ReadOnlySpan<byte> BitfieldOverflowType => "ERR Invalid OVERFLOW type specified"u8;
    public static ReadOnlySpan<byte> BitfieldRoGetOnly => "ERR BITFIELD_RO only supports the GET subcommand"u8;
}
