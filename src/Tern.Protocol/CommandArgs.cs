using System.Runtime.CompilerServices;

namespace Tern.Protocol;

/// <summary>Where one argument of a parsed command lives, relative to the start of the command's bytes.</summary>
public struct ArgRange
{
    public int Offset;
    public int Length;
}

/// <summary>
/// The arguments of one command: ranges into a byte buffer the parser filled. Nothing is copied; the buffer is
/// the connection's receive buffer (or any buffer a replication stream, MULTI queue or script built).
/// </summary>
public sealed class CommandArgs
{
    private ArgRange[] _ranges = new ArgRange[16];
    private byte[] _buffer = [];
    private int _base;

    /// <summary>Number of arguments, the command name included.</summary>
    public int Count { get; private set; }

    /// <summary>The buffer the ranges point into.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Offset in <see cref="Buffer"/> of the command's first byte.</summary>
    public int Base => _base;

    /// <summary>Argument <paramref name="i"/> (0 is the command name).</summary>
    public ReadOnlySpan<byte> this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ref ArgRange r = ref _ranges[i];
            return new ReadOnlySpan<byte>(_buffer, _base + r.Offset, r.Length);
        }
    }

    /// <summary>Argument <paramref name="i"/> as a writable span (used for in-place upper-casing of names).</summary>
    public Span<byte> Mutable(int i)
    {
        ref ArgRange r = ref _ranges[i];
        return new Span<byte>(_buffer, _base + r.Offset, r.Length);
    }

    /// <summary>Copies argument <paramref name="i"/> into a new array (for values that must outlive the buffer).</summary>
    public byte[] ToArray(int i) => this[i].ToArray();

    /// <summary>Points the arguments at another buffer (after the connection moved or grew its buffer).</summary>
    public void Rebase(byte[] buffer, int commandStart)
    {
        _buffer = buffer;
        _base = commandStart;
    }

    public void Clear() => Count = 0;

    /// <summary>Adds an argument found at <paramref name="offset"/> (relative to the command start).</summary>
    public void Add(int offset, int length)
    {
        if (Count == _ranges.Length) Array.Resize(ref _ranges, _ranges.Length * 2);
        _ranges[Count++] = new ArgRange { Offset = offset, Length = length };
    }

    /// <summary>Builds arguments from separate values (replication apply, MULTI queue, scripts, tests).</summary>
    public static CommandArgs From(params ReadOnlySpan<byte[]> args)
    {
        int total = 0;
        foreach (var a in args) total += a.Length;
        var buf = new byte[total];
        var cmd = new CommandArgs();
        int pos = 0;
        foreach (var a in args)
        {
            a.CopyTo(buf, pos);
            cmd.Add(pos, a.Length);
            pos += a.Length;
        }
        cmd.Rebase(buf, 0);
        return cmd;
    }

    /// <summary>A deep copy that owns its bytes (for the MULTI queue and blocked clients).</summary>
    public CommandArgs Clone()
    {
        int total = 0;
        for (int i = 0; i < Count; i++) total += _ranges[i].Length;
        var buf = new byte[total];
        var cmd = new CommandArgs();
        int pos = 0;
        for (int i = 0; i < Count; i++)
        {
            this[i].CopyTo(buf.AsSpan(pos));
            cmd.Add(pos, _ranges[i].Length);
            pos += _ranges[i].Length;
        }
        cmd.Rebase(buf, 0);
        return cmd;
    }
}
