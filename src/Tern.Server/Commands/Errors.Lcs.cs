namespace Tern.Server.Commands;

/// <summary>Error texts of LCS (t_string.c lcsCommand).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> LcsNotStrings => "ERR The specified keys must contain string values"u8;
    public static ReadOnlySpan<byte> LcsLenAndIdx => "ERR If you want both the length and indexes, please just use IDX."u8;
    public static ReadOnlySpan<byte> LcsTooBig => "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"u8;
    public static ReadOnlySpan<byte> LcsAllocFailed => "ERR Insufficient memory, failed allocating transient memory for LCS"u8;
}
