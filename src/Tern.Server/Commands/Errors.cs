namespace Tern.Server.Commands;

/// <summary>
/// Every error text Tern sends, spelled exactly as Redis 7.0 spells it (server.c createSharedObjects and the
/// t_*.c files). Handlers never spell an error themselves.
/// </summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value"u8;
    public static ReadOnlySpan<byte> Syntax => "ERR syntax error"u8;
    public static ReadOnlySpan<byte> NotInteger => "ERR value is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> NotFloat => "ERR value is not a valid float"u8;
    public static ReadOnlySpan<byte> Overflow => "ERR increment or decrement would overflow"u8;
    public static ReadOnlySpan<byte> IncrFloatNaN => "ERR increment would produce NaN or Infinity"u8;
    public static ReadOnlySpan<byte> NoSuchKey => "ERR no such key"u8;
    public static ReadOnlySpan<byte> SameObject => "ERR source and destination objects are the same"u8;
    public static ReadOnlySpan<byte> OutOfRange => "ERR index out of range"u8;
    public static ReadOnlySpan<byte> DbIndexOutOfRange => "ERR DB index is out of range"u8;
    public static ReadOnlySpan<byte> NoAuth => "NOAUTH Authentication required."u8;
    public static ReadOnlySpan<byte> WrongPass => "WRONGPASS invalid username-password pair or user is disabled."u8;
    public static ReadOnlySpan<byte> AuthNoPassword => "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"u8;
    public static ReadOnlySpan<byte> Loading => "LOADING Redis is loading the dataset in memory"u8;
    public static ReadOnlySpan<byte> ReadOnlyReplica => "READONLY You can't write against a read only replica."u8;
    public static ReadOnlySpan<byte> Oom => "OOM command not allowed when used memory > 'maxmemory'."u8;
    public static ReadOnlySpan<byte> ExecAbort => "EXECABORT Transaction discarded because of previous errors."u8;
    public static ReadOnlySpan<byte> BusyKey => "BUSYKEY Target key name already exists."u8;
    public static ReadOnlySpan<byte> NotAllowedInMulti => "ERR Command not allowed inside a transaction"u8;
    public static ReadOnlySpan<byte> StringTooLong => "ERR string exceeds maximum allowed size (proto-max-bulk-len)"u8;
    public static ReadOnlySpan<byte> BitOffset => "ERR bit offset is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> BitValue => "ERR bit is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> ValueOutOfRange => "ERR value is out of range, must be positive"u8;
    public static ReadOnlySpan<byte> OffsetOutOfRange => "ERR offset is out of range"u8;
    public static ReadOnlySpan<byte> ProtoVersion => "NOPROTO unsupported protocol version"u8;
    public static ReadOnlySpan<byte> InvalidDbIndex => "ERR invalid DB index"u8;
    public static ReadOnlySpan<byte> MasterDown => "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."u8;
    public static ReadOnlySpan<byte> SubscribedContextPrefix => "ERR Can't execute '"u8;
    public static ReadOnlySpan<byte> NoSuchClient => "ERR No such client"u8;
    public static ReadOnlySpan<byte> TimeoutNotFloat => "ERR timeout is not a float or out of range"u8;
    public static ReadOnlySpan<byte> TimeoutNegative => "ERR timeout is negative"u8;
    public static ReadOnlySpan<byte> ExpireNotInteger => NotInteger;
    public static ReadOnlySpan<byte> NxXxGtLt => "ERR NX and XX, GT or LT options at the same time are not compatible"u8;
    public static ReadOnlySpan<byte> GtLtNx => "ERR GT and LT options at the same time are not compatible"u8;

    /// <summary>"ERR wrong number of arguments for 'name' command" (full name, e.g. "config|get").</summary>
    public static string WrongArgs(string fullName) => $"ERR wrong number of arguments for '{fullName}' command";

    /// <summary>"ERR invalid expire time in 'name' command".</summary>
    public static string InvalidExpireTime(string fullName) => $"ERR invalid expire time in '{fullName}' command";

    /// <summary>"ERR unknown subcommand or wrong number of arguments for 'sub'. Try CMD HELP."</summary>
    public static string SubcommandSyntax(ReadOnlySpan<byte> sub, ReadOnlySpan<byte> cmd) =>
        $"ERR unknown subcommand or wrong number of arguments for '{Printable(sub, 128)}'. Try {Printable(cmd, 1024).ToUpperInvariant()} HELP.";

    /// <summary>"ERR unknown subcommand 'sub'. Try CMD HELP."</summary>
    public static string UnknownSubcommand(ReadOnlySpan<byte> sub, ReadOnlySpan<byte> cmd) =>
        $"ERR unknown subcommand '{Printable(sub, 128)}'. Try {Printable(cmd, 1024).ToUpperInvariant()} HELP.";

    /// <summary>Renders bytes as the C string Redis would print with "%.Ns" (stops at NUL, cut at N bytes).</summary>
    public static string Printable(ReadOnlySpan<byte> s, int max)
    {
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (s.Length > max) s = s[..max];
        return System.Text.Encoding.Latin1.GetString(s);
    }

    /// <summary>Redis's unknown-command text with its argument preview (server.c commandCheckExistence).</summary>
    public static string UnknownCommand(Tern.Protocol.CommandArgs args)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 1; i < args.Count && sb.Length < 128; i++)
            sb.Append('\'').Append(Printable(args[i], 128 - sb.Length)).Append("' ");
        return $"ERR unknown command '{Printable(args[0], 128)}', with args beginning with: {sb}";
    }
}
