using Tern.Protocol;

namespace Tern.Server.Commands;

/// <summary>
/// A cursor over a command's arguments that latches the first error: parse everything, then check the error
/// once (the Dragonfly CmdArgParser idea). Allocation-free.
/// </summary>
public ref struct ArgReader
{
    private readonly CommandArgs _args;
    private int _pos;
    private ReadOnlySpan<byte> _error;

    public ArgReader(CommandArgs args, int start)
    {
        _args = args;
        _pos = start;
        _error = default;
    }

    public readonly bool HasMore => _pos < _args.Count;
    public readonly int Remaining => _args.Count - _pos;
    public readonly int Position => _pos;
    public readonly bool HasError => !_error.IsEmpty;
    public readonly ReadOnlySpan<byte> Error => _error;

    /// <summary>Records an error unless one is already latched.</summary>
    public void Fail(ReadOnlySpan<byte> error)
    {
        if (_error.IsEmpty) _error = error;
    }

    /// <summary>The next argument; a syntax error when there is none.</summary>
    public ReadOnlySpan<byte> Next()
    {
        if (_pos >= _args.Count)
        {
            Fail(Errors.Syntax);
            return default;
        }
        return _args[_pos++];
    }

    /// <summary>The next argument as a strict 64-bit integer.</summary>
    public long NextLong()
    {
        var a = Next();
        if (HasError) return 0;
        if (!RespNumber.TryParseInt64(a, out long v)) Fail(Errors.NotInteger);
        return v;
    }

    /// <summary>The next argument as a double (Redis's strtod rules).</summary>
    public double NextDouble()
    {
        var a = Next();
        if (HasError) return 0;
        if (!RespNumber.TryParseDouble(a, out double v)) Fail(Errors.NotFloat);
        return v;
    }

    /// <summary>True and advances when the next argument equals <paramref name="word"/> (ASCII, any case).</summary>
    public bool Match(ReadOnlySpan<byte> word)
    {
        if (_pos < _args.Count && System.Text.Ascii.EqualsIgnoreCase(_args[_pos], word))
        {
            _pos++;
            return true;
        }
        return false;
    }

    public readonly ReadOnlySpan<byte> Peek() => _pos < _args.Count ? _args[_pos] : default;

    public void Skip(int n = 1) => _pos += n;
}
