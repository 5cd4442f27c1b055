using Tern.Protocol;
namespace Tern.Server.Commands;

/// <summary>Error texts of the sorted set commands (t_zset.c) and geo commands (geo.c), as Redis 7.0 spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> ZAddXxNx => "ERR XX and NX options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> ZAddGtLtNx => "ERR GT, LT, and/or NX options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> ZAddIncrPair => "ERR INCR option supports a single increment-element pair"u8;
    public static ReadOnlySpan<byte> ZScoreNaN => "ERR resulting score is not a number (NaN)"u8;
    public static ReadOnlySpan<byte> ZMinMaxNotFloat => "ERR min or max is not a float"u8;
    public static ReadOnlySpan<byte> ZMinMaxNotLex => "ERR min or max not valid string range item"u8;
    public static ReadOnlySpan<byte> ZLimitNeedsBy => "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"u8;
    public static ReadOnlySpan<byte> ZWithScoresByLex => "ERR syntax error, WITHSCORES not supported in combination with BYLEX"u8;
    public static ReadOnlySpan<byte> ZWeightNotFloat => "ERR weight value is not a float"u8;
    public static ReadOnlySpan<byte> NumKeysPositive => "ERR numkeys should be greater than 0"u8;
    public static ReadOnlySpan<byte> CountPositive => "ERR count should be greater than 0"u8;
    public static ReadOnlySpan<byte> OutOfRangePlain => "ERR value is out of range"u8;
    public static ReadOnlySpan<byte> RandomCountRange => "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"u8;

    /// <summary>"ERR at least 1 input key is needed for 'zunionstore' command".</summary>
    public static string ZAtLeastOneKey(string fullName) => $"ERR at least 1 input key is needed for '{fullName}' command";

    // geo.c
    public static ReadOnlySpan<byte> GeoUnit => "ERR unsupported unit provided. please use M, KM, FT, MI"u8;
    public static ReadOnlySpan<byte> GeoRadiusNotNumber => "ERR need numeric radius"u8;
    public static ReadOnlySpan<byte> GeoRadiusNegative => "ERR radius cannot be negative"u8;
    public static ReadOnlySpan<byte> GeoWidthNotNumber => "ERR need numeric width"u8;
    public static ReadOnlySpan<byte> GeoHeightNotNumber => "ERR need numeric height"u8;
    public static ReadOnlySpan<byte> GeoBoxNegative => "ERR height or width cannot be negative"u8;
    public static ReadOnlySpan<byte> GeoMemberNotFound => "ERR could not decode requested zset member"u8;
    public static ReadOnlySpan<byte> CountMustBePositive => "ERR COUNT must be > 0"u8;
    public static ReadOnlySpan<byte> GeoAnyNeedsCount => "ERR the ANY argument requires COUNT argument"u8;
    public static ReadOnlySpan<byte> GeoSearchStoreWith => "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"u8;
    public static ReadOnlySpan<byte> GeoRadiusStoreWith => "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"u8;

    /// <summary>"ERR invalid longitude,latitude pair %f,%f".</summary>
    public static string GeoInvalidPair(double lon, double lat) =>
        $"ERR invalid longitude,latitude pair {CNum.FormatF(lon)},{CNum.FormatF(lat)}";

    /// <summary>"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for &lt;command as typed&gt;".</summary>
    public static string GeoNeedsFrom(ReadOnlySpan<byte> cmd) =>
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + Printable(cmd, int.MaxValue);

    /// <summary>"ERR exactly one of BYRADIUS and BYBOX can be specified for &lt;command as typed&gt;".</summary>
    public static string GeoNeedsBy(ReadOnlySpan<byte> cmd) =>
        "ERR exactly one of BYRADIUS and BYBOX can be specified for " + Printable(cmd, int.MaxValue);
}
