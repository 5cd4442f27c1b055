namespace Tern.Server.Storage;

/// <summary>
/// A plain set read as a source of ZUNION, ZINTER, ZDIFF, ZINTERCARD and their STORE forms, where Redis gives
/// every member the score 1 (t_zset.c zuiNext/zuiFind over OBJ_SET). The members are the ones the set value type
/// already has (count, membership, the member at an index written into scratch space for an intset), so it only
/// needs to declare the interface.
/// </summary>
public interface ISetMembers
{
    /// <summary>Number of members.</summary>
    int Count { get; }

    /// <summary>True when <paramref name="member"/> is in the set (exact bytes).</summary>
    bool Contains(ReadOnlySpan<byte> member);

    /// <summary>The member at <paramref name="index"/> (0..Count-1), possibly written into <paramref name="scratch"/>.</summary>
    ReadOnlySpan<byte> MemberAt(int index, Span<byte> scratch);
}
