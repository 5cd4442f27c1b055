namespace Tern.Server.Commands;

/// <summary>Error texts of the connection commands (CLIENT, HELLO, SELECT, RESET, MONITOR), as Redis spells them.</summary>
public static partial class Errors
{
    public static ReadOnlySpan<byte> ClientNameChars => "ERR Client names cannot contain spaces, newlines or special characters."u8;
    public static ReadOnlySpan<byte> ProtoVersionNotInteger => "ERR Protocol version is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> HelloNoAuth => "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"u8;
    public static ReadOnlySpan<byte> ResetNotNormal => "ERR can only reset normal client connections"u8;
    public static ReadOnlySpan<byte> InvalidClientId => "ERR Invalid client ID"u8;
    public static ReadOnlySpan<byte> ClientIdPositive => "ERR client-id should be greater than 0"u8;
    public static ReadOnlySpan<byte> MaxAgeNotInteger => "ERR maxage is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> MaxAgePositive => "ERR maxage should be greater than 0"u8;
    public static ReadOnlySpan<byte> PauseMode => "ERR CLIENT PAUSE mode must be WRITE or ALL"u8;
    public static ReadOnlySpan<byte> TimeoutNotInteger => "ERR timeout is not an integer or out of range"u8;
    public static ReadOnlySpan<byte> UnblockReason => "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"u8;
    public static ReadOnlySpan<byte> ReplicaKeyspace => "ERR Replica can't interact with the keyspace"u8;
    public static ReadOnlySpan<byte> Unblocked => "UNBLOCKED client unblocked via CLIENT UNBLOCK"u8;
}
