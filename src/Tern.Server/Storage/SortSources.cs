namespace Tern.Server.Storage;

/// <summary>
/// A value SORT can read its elements from: sets, lists and sorted sets (sort.c). Each collection type
/// implements this so that SORT does not need to know their layouts.
/// </summary>
public interface ISortable
{
    /// <summary>Number of elements.</summary>
    long SortLength { get; }

    /// <summary>
    /// Appends <paramref name="count"/> elements to <paramref name="dest"/>, starting at position
    /// <paramref name="start"/> of the value's own order (a list's order, a sorted set's by score; a set's
    /// iteration order), counted from the far end and walking backwards when <paramref name="reverse"/>.
    /// Sets are only ever asked for everything (start 0, reverse false).
    /// </summary>
    void AppendElements(long start, long count, bool reverse, List<byte[]> dest);
}

/// <summary>
/// A hash read by SORT's "key->field" patterns (hashTypeGetValueObject). The signature is the one
/// HashValue.TryGet already has, so the hash type only needs to declare it.
/// </summary>
public interface IHashFieldReader
{
    bool TryGet(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value);
}
