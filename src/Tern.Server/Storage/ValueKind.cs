namespace Tern.Server.Storage;

/// <summary>The Redis data types, named as TYPE answers.</summary>
public enum ValueKind : byte
{
    String = 0,
    List = 1,
    Set = 2,
    ZSet = 3,
    Hash = 4,
    Stream = 5,
}
