using Tern.Protocol;

namespace Tern.Server.Commands;

/// <summary>
/// Builds the propagated form of a write as a RESP array of bulk strings: what a Redis 7.0 primary would send to
/// its replicas for it. Handlers that rewrite (relative expiry → PXAT, INCRBYFLOAT → SET) fill it; otherwise
/// the dispatcher propagates the command as received.
/// </summary>
public sealed class PropagationBuffer
{
    private readonly ReplyWriter _w = new(1024);
    private int _commands;

    /// <summary>Commands written since the last <see cref="Clear"/>.</summary>
    public int Commands => _commands;

    public ReadOnlySpan<byte> Bytes => _w.WrittenSpan;

    public void Clear()
    {
        _w.Clear();
        _commands = 0;
    }

    /// <summary>Starts a command of <paramref name="argc"/> arguments; follow with that many Arg calls.</summary>
    public void Begin(int argc)
    {
        _w.ArrayHeader(argc);
        _commands++;
    }

    public void Arg(ReadOnlySpan<byte> a) => _w.Bulk(a);

    public void Arg(long n) => _w.BulkInteger(n);

    /// <summary>Appends commands already in RESP form (<paramref name="commands"/> of them).</summary>
    public void Raw(ReadOnlySpan<byte> resp, int commands)
    {
        _w.Raw(resp);
        _commands += commands;
    }

    /// <summary>Appends a whole command as received.</summary>
    public void Verbatim(CommandArgs args)
    {
        Begin(args.Count);
        for (int i = 0; i < args.Count; i++) _w.Bulk(args[i]);
    }
}

/// <summary>Receives every write in its propagated form, in order (the replication log implements this).</summary>
public interface IPropagationSink
{
    /// <summary>
    /// Appends commands that ran against database <paramref name="db"/>. Called with the shard locks of the
    /// affected keys held, so writes to one key reach the sink in execution order.
    /// </summary>
    void Append(int db, ReadOnlySpan<byte> resp, int commandCount);

    /// <summary>
    /// Appends a whole MULTI ... EXEC block at once, so no other write lands inside it. The block starts in
    /// <paramref name="firstDb"/> and carries its own SELECTs when it changes database; it ends in
    /// <paramref name="lastDb"/>. Called with the transaction's shard locks held.
    /// </summary>
    void AppendBlock(int firstDb, int lastDb, ReadOnlySpan<byte> resp, int commandCount) => Append(firstDb, resp, commandCount);
}
