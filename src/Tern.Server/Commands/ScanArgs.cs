using System.Text;
using Tern.Protocol;

namespace Tern.Server.Commands;

/// <summary>
/// The cursor and options of SCAN, SSCAN, HSCAN and ZSCAN, read as Redis's parseScanCursorOrReply and
/// scanGenericCommand do, in one place.
/// </summary>
public ref struct ScanArgs
{
    public long Count;
    public ReadOnlySpan<byte> Pattern;
    /// <summary>False when there is no MATCH or it is "*" (everything matches).</summary>
    public bool UsePattern;
    public ReadOnlySpan<byte> Type;
    public bool UseType;

    /// <summary>
    /// A cursor as strtoul reads it: no leading space, an optional sign (a negative value wraps around), decimal
    /// digits to the end, no overflow; the text stops at a NUL byte as a C string does, and "" is cursor 0.
    /// </summary>
    public static bool TryParseCursor(ReadOnlySpan<byte> s, out ulong cursor)
    {
        cursor = 0;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (s.Length == 0) return true;
        byte c0 = s[0];
        if (c0 == ' ' || (c0 >= '\t' && c0 <= '\r')) return false;
        int i = 0;
        bool negative = false;
        if (c0 == '+' || c0 == '-')
        {
            negative = c0 == '-';
            i = 1;
        }
        int digits = i;
        ulong v = 0;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (v > (ulong.MaxValue - d) / 10) return false;
            v = v * 10 + d;
        }
        if (i == digits || i != s.Length) return false;
        cursor = negative ? unchecked(0 - v) : v;
        return true;
    }

    /// <summary>
    /// The common start of SSCAN/ZSCAN (scanGenericCommand's order): the cursor, the key (missing: the empty scan
    /// reply; another type: WRONGTYPE), then the options. False when the reply is already written.
    /// </summary>
    public static bool TryBeginKeyScan<T>(CommandContext ctx, out T value, out ulong cursor, out ScanArgs options) where T : class
    {
        value = null!;
        options = default;
        if (!TryParseCursor(ctx.Arg(2), out cursor))
        {
            ctx.Error(Errors.InvalidCursor);
            return false;
        }
        var o = ctx.LookupRead(ctx.Arg(1));
        if (o == null)
        {
            ctx.Reply.Raw("*2\r\n$1\r\n0\r\n*0\r\n"u8);
            return false;
        }
        if (o is not T typed)
        {
            ctx.Error(Errors.WrongType);
            return false;
        }
        value = typed;
        // Options are read only once the key is known to be of the right type.
        return TryParseOptions(ctx, 3, allowType: false, out options);
    }

    /// <summary>
    /// Reads [MATCH pattern] [COUNT count] (and [TYPE type] for SCAN) from argument <paramref name="start"/> on;
    /// writes Redis's error and returns false on a bad option.
    /// </summary>
    public static bool TryParseOptions(CommandContext ctx, int start, bool allowType, out ScanArgs o)
    {
        o = default;
        o.Count = 10;
        for (int i = start; i < ctx.ArgCount; i += 2)
        {
            var opt = ctx.Arg(i);
            bool hasValue = ctx.ArgCount - i >= 2;
            if (hasValue && Ascii.EqualsIgnoreCase(opt, "COUNT"u8))
            {
                if (!RespNumber.TryParseInt64(ctx.Arg(i + 1), out o.Count))
                {
                    ctx.Error(Errors.NotInteger);
                    return false;
                }
                if (o.Count < 1)
                {
                    ctx.SyntaxError();
                    return false;
                }
            }
            else if (hasValue && Ascii.EqualsIgnoreCase(opt, "MATCH"u8))
            {
                o.Pattern = ctx.Arg(i + 1);
                o.UsePattern = !(o.Pattern.Length == 1 && o.Pattern[0] == '*');
            }
            else if (allowType && hasValue && Ascii.EqualsIgnoreCase(opt, "TYPE"u8))
            {
                // strcasecmp against the type name: the argument ends at a NUL as a C string does.
                o.Type = Errors.CString(ctx.Arg(i + 1), int.MaxValue);
                o.UseType = true;
            }
            else
            {
                ctx.SyntaxError();
                return false;
            }
        }
        return true;
    }
}
