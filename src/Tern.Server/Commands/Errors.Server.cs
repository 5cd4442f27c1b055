namespace Tern.Server.Commands;

/// <summary>Error texts of the server and admin commands (COMMAND, CONFIG, SLOWLOG, LATENCY, SHUTDOWN), as Redis 7.0 words them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> GetKeysInvalidCommand => "ERR Invalid command specified"u8;
    public static ReadOnlySpan<byte> GetKeysNoKeys => "ERR The command has no key arguments"u8;
    public static ReadOnlySpan<byte> GetKeysArity => "ERR Invalid number of arguments specified for command"u8;
    public static ReadOnlySpan<byte> GetKeysInvalidArguments => "ERR Invalid arguments specified for command"u8;
    public static ReadOnlySpan<byte> NoConfigFile => "ERR The server is running without a config file"u8;
    public static ReadOnlySpan<byte> SlowlogCount => "ERR count should be greater than or equal to -1"u8;
    public static ReadOnlySpan<byte> NoShutdownInProgress => "ERR No shutdown in progress."u8;
    public static ReadOnlySpan<byte> ShutdownFailed => "ERR Errors trying to SHUTDOWN. Check logs."u8;

    /// <summary>"ERR Rewriting config file: reason" (the reason is strerror's text).</summary>
    public static string RewriteFailed(string reason) => "ERR Rewriting config file: " + reason;

    /// <summary>LATENCY GRAPH of an event that never happened.</summary>
    public static string NoLatencySamples(ReadOnlySpan<byte> ev) => $"ERR No samples available for event '{Printable(ev, int.MaxValue)}'";
}
