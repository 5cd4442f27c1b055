namespace Tern.Server.Commands;

/// <summary>Error texts of the generic key commands (db.c, expire.c, object.c), as Redis 7.0 spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> InvalidCursor => "ERR invalid cursor"u8;
    public static ReadOnlySpan<byte> InvalidFirstDbIndex => "ERR invalid first DB index"u8;
    public static ReadOnlySpan<byte> InvalidSecondDbIndex => "ERR invalid second DB index"u8;

    /// <summary>getIntFromObjectOrReply without a message, for a valid integer outside the int range.</summary>
    public static ReadOnlySpan<byte> NotInt32 => "ERR value is out of range, value must between -2147483648 and 2147483647"u8;

    public static ReadOnlySpan<byte> LfuNotSelected =>
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."u8;

    public static ReadOnlySpan<byte> LfuSelected =>
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."u8;

    /// <summary>
    /// "ERR Unsupported option &lt;opt&gt;" (EXPIRE family). The option is printed as C's "%s" does (up to a NUL)
    /// and, as addReplyErrorFormat does, trailing CR/LF are trimmed; the reply writer turns inner ones to spaces.
    /// Built as bytes so that non-ASCII bytes come back unchanged.
    /// </summary>
    public static byte[] UnsupportedOption(ReadOnlySpan<byte> opt)
    {
        var b = Concat("ERR Unsupported option "u8, CString(opt, int.MaxValue), default);
        int n = b.Length;
        while (n > 0 && (b[n - 1] == '\r' || b[n - 1] == '\n')) n--;
        return n == b.Length ? b : b[..n];
    }

    /// <summary>An argument as C's "%.Ns" prints it: up to the first NUL, at most <paramref name="max"/> bytes.</summary>
    internal static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s, int max)
    {
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        return s.Length > max ? s[..max] : s;
    }

    internal static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        var r = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(r);
        b.CopyTo(r.AsSpan(a.Length));
        c.CopyTo(r.AsSpan(a.Length + b.Length));
        return r;
    }
}
