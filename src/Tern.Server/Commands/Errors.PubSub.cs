namespace Tern.Server.Commands;

public static partial class Errors
{
    /// <summary>SSUBSCRIBE inside MULTI/EXEC (a client that may not block).</summary>
    public static ReadOnlySpan<byte> SsubscribeDenyBlocking => "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"u8;
}
