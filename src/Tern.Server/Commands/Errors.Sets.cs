namespace Tern.Server.Commands;

/// <summary>Error texts of the set commands (t_set.c) and SORT (sort.c), as Redis 7.0 spells them.</summary>
public static partial class Errors
{

    public static ReadOnlySpan<byte> NumKeysTooMany => "ERR Number of keys can't be greater than number of args"u8;

    public static ReadOnlySpan<byte> LimitNegative => "ERR LIMIT can't be negative"u8;

    /// <summary>SRANDMEMBER's count: getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) without a message.</summary>
    public static ReadOnlySpan<byte> SRandMemberCountRange =>
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"u8;

    public static ReadOnlySpan<byte> SortScoreNotDouble => "ERR One or more scores can't be converted into double"u8;

}
