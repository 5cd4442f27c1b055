namespace Tern.Server.Storage;

/// <summary>
/// A plain set read as a source of ZUNION, ZINTER, ZDIFF, ZINTERCARD and their STORE forms, where Redis gives
/// every member the score 1 (t_zset.c zuiNext/zuiFind over OBJ_SET). The set value type implements it.
/// </summary>
public interface ISetMembers
{
    /// <summary>Number of members.</summary>
    long SetMemberCount { get; }

    /// <summary>True when <paramref name="member"/> is in the set (exact bytes).</summary>
    bool ContainsMember(ReadOnlySpan<byte> member);

    /// <summary>Every member once, in any order.</summary>
    IEnumerable<byte[]> EnumerateMembers();
}
