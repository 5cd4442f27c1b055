namespace Tern.Server.Commands;

/// <summary>Error texts of DEBUG (debug.c), as Redis 7.0 spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> DebugProtocolType =>
        "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"u8;

    public static ReadOnlySpan<byte> Resp2NotSupported => "ERR RESP2 is not supported by this command"u8;

    /// <summary>
    /// DEBUG DIGEST over a value type that has not plugged into <see cref="Storage.Digest.DigestValue"/> yet.
    /// Redis has no such error (it digests every type); Tern answers this rather than a wrong digest.
    /// </summary>
    public static ReadOnlySpan<byte> DigestNotSupported => "ERR DEBUG DIGEST is not supported for a value of this type"u8;

    /// <summary>
    /// addReplySubcommandSyntaxError as bytes: "ERR unknown subcommand or wrong number of arguments for 'sub'.
    /// Try CMD HELP." (sub printed with "%.128s", the command name upper-cased as sdstoupper does).
    /// </summary>
    public static byte[] SubcommandSyntaxBytes(ReadOnlySpan<byte> sub, ReadOnlySpan<byte> cmd)
    {
        var name = CString(cmd, int.MaxValue).ToArray();
        for (int i = 0; i < name.Length; i++)
            if ((uint)(name[i] - 'a') <= 25) name[i] = (byte)(name[i] & ~0x20);
        var mid = Concat("'. Try "u8, name, " HELP."u8);
        return Concat("ERR unknown subcommand or wrong number of arguments for '"u8, CString(sub, 128), mid);
    }
}
