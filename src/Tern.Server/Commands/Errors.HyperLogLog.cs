namespace Tern.Server.Commands;

/// <summary>Error texts of the HyperLogLog commands (hyperloglog.c).</summary>
public static partial class Errors
{
    /// <summary>Redis sends it with its own prefix ("-WRONGTYPE ..."), not "ERR".</summary>
    public static ReadOnlySpan<byte> NotHyperLogLog => "WRONGTYPE Key is not a valid HyperLogLog string value."u8;
    public static ReadOnlySpan<byte> CorruptedHll => "INVALIDOBJ Corrupted HLL object detected"u8;
    public static ReadOnlySpan<byte> PfDebugNoKey => "ERR The specified key does not exist"u8;
    public static ReadOnlySpan<byte> HllNotSparse => "ERR HLL encoding is not sparse"u8;

    /// <summary>Followed by the subcommand as a C string (up to a NUL byte) and a closing quote.</summary>
    public static ReadOnlySpan<byte> PfDebugUnknownPrefix => "ERR Unknown PFDEBUG subcommand '"u8;
}
