namespace Tern.Server.Commands;

/// <summary>Error texts of the hash commands (t_hash.c), as Redis 7.0 (and 7.4 for field expiry) spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> HashValueNotInteger => "ERR hash value is not an integer"u8;
    public static ReadOnlySpan<byte> HashValueNotFloat => "ERR hash value is not a float"u8;
    public static ReadOnlySpan<byte> HashIncrNaNOrInfinity => "ERR value is NaN or Infinity"u8;

    // Field expiry, Redis 7.4 (t_hash.c hexpireGenericCommand, httlGenericCommand, hpersistCommand).
    public static ReadOnlySpan<byte> HashFieldsArgMissing => "ERR Mandatory argument FIELDS is missing or not at the right position"u8;
    public static ReadOnlySpan<byte> HashExpireNumFields => "ERR Parameter `numFields` should be greater than 0"u8;
    public static ReadOnlySpan<byte> HashNumFieldsPositive => "ERR Number of fields must be a positive integer"u8;
    public static ReadOnlySpan<byte> HashNumFieldsMismatch => "ERR The `numfields` parameter must match the number of arguments"u8;
    public static ReadOnlySpan<byte> HashExpireNegative => "ERR invalid expire time, must be >= 0"u8;
}
