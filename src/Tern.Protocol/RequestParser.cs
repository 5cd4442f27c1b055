namespace Tern.Protocol;

/// <summary>What one call to <see cref="RequestParser.Parse"/> found.</summary>
public enum ParseStatus
{
    /// <summary>A whole command is in the arguments.</summary>
    Command,
    /// <summary>More bytes are needed; call again with the same command start once they arrived.</summary>
    Incomplete,
    /// <summary>Bytes were consumed but they held no command (an empty inline line, "*0").</summary>
    Empty,
    /// <summary>A protocol error: reply with <see cref="RequestParser.Error"/> and close the connection.</summary>
    Error,
}

/// <summary>
/// Parses client requests, RESP multibulk or inline, with Redis 7.0's limits and error texts
/// (networking.c processMultibulkBuffer / processInlineBuffer). Arguments are ranges into the caller's buffer;
/// inline arguments are unquoted in place. The parser is resumable: an incomplete command keeps the arguments
/// parsed so far, so a huge command arriving in many reads is scanned once.
/// </summary>
public sealed class RequestParser
{
    /// <summary>Redis's PROTO_INLINE_MAX_SIZE: longest inline request or length line without a newline.</summary>
    public const int InlineMaxSize = 64 * 1024;

    private int _remaining;
    private int _pos;
    private bool _started;

    /// <summary>proto-max-bulk-len (512 MB by default).</summary>
    public long MaxBulkLength { get; set; } = 512L * 1024 * 1024;

    /// <summary>True while the client must still authenticate: Redis then caps requests at 10 args / 16 KB.</summary>
    public bool AuthRequired { get; set; }

    /// <summary>The link from a primary: no bulk length cap.</summary>
    public bool IsPrimaryLink { get; set; }

    /// <summary>The error text (without "-" and CRLF) after <see cref="ParseStatus.Error"/>.</summary>
    public string Error { get; private set; } = "";

    /// <summary>With <see cref="ParseStatus.Incomplete"/>: bytes from the command start known to be needed (0 if unknown).</summary>
    public int NeededBytes { get; private set; }

    /// <summary>True when a command has been partly parsed.</summary>
    public bool InProgress => _started;

    /// <summary>Forgets a partly parsed command.</summary>
    public void Reset()
    {
        _started = false;
        _remaining = 0;
        _pos = 0;
    }

    /// <summary>
    /// Parses one command from <paramref name="buf"/>, which starts at the command's first byte.
    /// On <see cref="ParseStatus.Command"/> and <see cref="ParseStatus.Empty"/>, <paramref name="consumed"/> is
    /// its length.
    /// </summary>
    public ParseStatus Parse(Span<byte> buf, CommandArgs args, out int consumed)
    {
        consumed = 0;
        NeededBytes = 0;
        if (!_started)
        {
            if (buf.Length == 0) return ParseStatus.Incomplete;
            args.Clear();
            if (buf[0] != (byte)'*') return ParseInline(buf, args, out consumed);

            int cr = buf.IndexOf((byte)'\r');
            if (cr < 0)
            {
                if (buf.Length > InlineMaxSize) return Fail("Protocol error: too big mbulk count string");
                return ParseStatus.Incomplete;
            }
            if (cr > buf.Length - 2) return ParseStatus.Incomplete;
            if (!RespNumber.TryParseInt64(buf[1..cr], out long count) || count > int.MaxValue)
                return Fail("Protocol error: invalid multibulk length");
            if (count > 10 && AuthRequired) return Fail("Protocol error: unauthenticated multibulk length");
            if (count <= 0)
            {
                consumed = cr + 2;
                return ParseStatus.Empty;
            }
            _remaining = (int)count;
            _pos = cr + 2;
            _started = true;
        }

        while (_remaining > 0)
        {
            var rest = buf[_pos..];
            int cr = rest.IndexOf((byte)'\r');
            if (cr < 0)
            {
                if (rest.Length > InlineMaxSize) return Fail("Protocol error: too big bulk count string");
                return ParseStatus.Incomplete;
            }
            if (cr > rest.Length - 2) return ParseStatus.Incomplete;
            if (rest[0] != (byte)'$')
                return Fail("Protocol error: expected '$', got '" + (char)rest[0] + "'");
            if (!RespNumber.TryParseInt64(rest[1..cr], out long len) || len < 0 ||
                (!IsPrimaryLink && len > MaxBulkLength))
                return Fail("Protocol error: invalid bulk length");
            if (len > 16384 && AuthRequired) return Fail("Protocol error: unauthenticated bulk length");
            long end = (long)cr + 2 + len + 2;
            if (end > rest.Length)
            {
                long needed = _pos + end;
                NeededBytes = needed > int.MaxValue ? int.MaxValue : (int)needed;
                return ParseStatus.Incomplete;
            }
            // Like Redis, the two bytes after the payload are skipped without being checked.
            args.Add(_pos + cr + 2, (int)len);
            _pos += (int)end;
            _remaining--;
        }

        consumed = _pos;
        _started = false;
        _pos = 0;
        return ParseStatus.Command;
    }

    private ParseStatus Fail(string message)
    {
        Error = message;
        _started = false;
        _remaining = 0;
        _pos = 0;
        return ParseStatus.Error;
    }

    private ParseStatus ParseInline(Span<byte> buf, CommandArgs args, out int consumed)
    {
        consumed = 0;
        int nl = buf.IndexOf((byte)'\n');
        if (nl < 0)
        {
            if (buf.Length > InlineMaxSize) return Fail("Protocol error: too big inline request");
            return ParseStatus.Incomplete;
        }
        int lineEnd = nl > 0 && buf[nl - 1] == (byte)'\r' ? nl - 1 : nl;
        if (!SplitArgs(buf[..lineEnd], args)) return Fail("Protocol error: unbalanced quotes in request");
        consumed = nl + 1;
        return args.Count == 0 ? ParseStatus.Empty : ParseStatus.Command;
    }

    private static bool IsSpace(byte c) => c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';

    private static bool IsHex(byte c) => (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 5;

    private static int HexValue(byte c) => (uint)(c - '0') <= 9 ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>
    /// Splits an inline line as Redis's sdssplitargs does ("double" quotes with \n \r \t \b \a \xHH escapes,
    /// 'single' quotes with \' only, a closing quote must be followed by a space), writing each unquoted
    /// argument in place: the write position never passes the read position.
    /// </summary>
    public static bool SplitArgs(Span<byte> line, CommandArgs args)
    {
        int r = 0, w = 0, n = line.Length;
        while (true)
        {
            while (r < n && IsSpace(line[r])) r++;
            if (r >= n) return true;
            int start = w;
            bool inq = false, insq = false, done = false;
            while (!done)
            {
                if (inq)
                {
                    if (r >= n) return false;
                    byte c = line[r];
                    if (c == '\\' && r + 3 < n && line[r + 1] == 'x' && IsHex(line[r + 2]) && IsHex(line[r + 3]))
                    {
                        line[w++] = (byte)(HexValue(line[r + 2]) * 16 + HexValue(line[r + 3]));
                        r += 4;
                    }
                    else if (c == '\\' && r + 1 < n)
                    {
                        r++;
                        byte e = line[r];
                        line[w++] = e switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            _ => e,
                        };
                        r++;
                    }
                    else if (c == '"')
                    {
                        // The closing quote must be followed by a space or nothing.
                        if (r + 1 < n && !IsSpace(line[r + 1])) return false;
                        done = true;
                        r++;
                    }
                    else
                    {
                        line[w++] = c;
                        r++;
                    }
                }
                else if (insq)
                {
                    if (r >= n) return false;
                    byte c = line[r];
                    if (c == '\\' && r + 1 < n && line[r + 1] == '\'')
                    {
                        line[w++] = (byte)'\'';
                        r += 2;
                    }
                    else if (c == '\'')
                    {
                        if (r + 1 < n && !IsSpace(line[r + 1])) return false;
                        done = true;
                        r++;
                    }
                    else
                    {
                        line[w++] = c;
                        r++;
                    }
                }
                else
                {
                    if (r >= n) { done = true; break; }
                    byte c = line[r];
                    if (IsSpace(c)) { done = true; r++; }
                    else if (c == '"') { inq = true; r++; }
                    else if (c == '\'') { insq = true; r++; }
                    else { line[w++] = c; r++; }
                }
            }
            args.Add(start, w - start);
        }
    }
}
