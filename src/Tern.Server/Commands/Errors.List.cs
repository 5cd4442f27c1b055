namespace Tern.Server.Commands;

/// <summary>Error texts of the list commands (t_list.c of Redis 7.0).</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> ListRankZero => "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"u8;
    public static ReadOnlySpan<byte> ListCountNegative => "ERR COUNT can't be negative"u8;
    public static ReadOnlySpan<byte> ListMaxLenNegative => "ERR MAXLEN can't be negative"u8;
}
