using System.Net.Sockets;
using System.Text;

namespace Tern.TestKit;

/// <summary>One reply as received: its exact bytes, plus a parsed view for assertions.</summary>
public sealed class RespReply
{
    public required byte[] Raw { get; init; }
    public required char Type { get; init; }

    /// <summary>Status/error text with its prefix ("+OK", "-ERR ..."), the integer as text, or the bulk payload.</summary>
    public string? Text { get; init; }

    public List<RespReply>? Items { get; init; }

    public bool IsNull => Type == '_' || (Type is '$' or '*' && Text == null && Items == null);
    public bool IsError => Type == '-' || Type == '!';

    public long Integer => long.Parse(Text!);

    public override string ToString() => Encoding.Latin1.GetString(Raw);
}

/// <summary>
/// A raw RESP client for tests: sends commands as multibulk (or raw bytes) and reads replies frame by frame,
/// keeping the exact bytes so replies from Tern and Redis can be compared byte for byte.
/// </summary>
public sealed class RespClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buf = new byte[64 * 1024];
    private int _start, _end;

    public RespClient(int port, string host = "127.0.0.1")
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(host, port);
        _socket.ReceiveTimeout = 30_000;
    }

    /// <summary>Reads exactly <paramref name="n"/> raw bytes (a replication stream, an RDB payload).</summary>
    public byte[] ReadExactly(int n) => ReadExact(n, new MemoryStream());

    /// <summary>Sends a command and reads its reply.</summary>
    public RespReply Call(params object[] args)
    {
        Send(args);
        return Read();
    }

    public static byte[] Encode(params object[] args)
    {
        var ms = new MemoryStream();
        void W(string s) => ms.Write(Encoding.ASCII.GetBytes(s));
        W($"*{args.Length}\r\n");
        foreach (var a in args)
        {
            byte[] b = a switch
            {
                byte[] x => x,
                string s => Encoding.UTF8.GetBytes(s),
                _ => Encoding.UTF8.GetBytes(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!),
            };
            W($"${b.Length}\r\n");
            ms.Write(b);
            W("\r\n");
        }
        return ms.ToArray();
    }

    public void Send(params object[] args) => SendRaw(Encode(args));

    public void SendRaw(byte[] bytes)
    {
        int off = 0;
        while (off < bytes.Length) off += _socket.Send(bytes, off, bytes.Length - off, SocketFlags.None);
    }

    public void SendRaw(string text) => SendRaw(Encoding.Latin1.GetBytes(text));

    /// <summary>True when the server closed the connection (reads until EOF or timeout).</summary>
    public bool IsClosedByServer(TimeSpan timeout)
    {
        _socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            while (true)
            {
                int n = _socket.Receive(_buf, 0, _buf.Length, SocketFlags.None);
                if (n == 0) return true;
            }
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Fill()
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buf.Length)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int n = _socket.Receive(_buf, _end, _buf.Length - _end, SocketFlags.None);
        if (n == 0) throw new IOException("connection closed by server");
        _end += n;
    }

    private string ReadLine(MemoryStream raw)
    {
        while (true)
        {
            int nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                raw.Write(_buf, _start, nl + 1 - _start);
                var line = Encoding.Latin1.GetString(_buf, _start, nl - 1 - _start);
                _start = nl + 1;
                return line;
            }
            Fill();
        }
    }

    private byte[] ReadExact(int n, MemoryStream raw)
    {
        var result = new byte[n];
        int got = 0;
        while (got < n)
        {
            if (_start == _end) Fill();
            int take = Math.Min(n - got, _end - _start);
            Buffer.BlockCopy(_buf, _start, result, got, take);
            _start += take;
            got += take;
        }
        raw.Write(result);
        return result;
    }

    /// <summary>Reads one complete reply.</summary>
    public RespReply Read()
    {
        var raw = new MemoryStream();
        var r = ReadValue(raw);
        return new RespReply { Raw = raw.ToArray(), Type = r.Type, Text = r.Text, Items = r.Items };
    }

    private RespReply ReadValue(MemoryStream raw)
    {
        string line = ReadLine(raw);
        char t = line[0];
        string rest = line[1..];
        switch (t)
        {
            case '+':
            case '-':
                return new RespReply { Raw = [], Type = t, Text = line };
            case ':':
            case ',':
            case '(':
            case '#':
            case '_':
                return new RespReply { Raw = [], Type = t, Text = rest };
            case '$':
            case '=':
            case '!':
            {
                int n = int.Parse(rest);
                if (n < 0) return new RespReply { Raw = [], Type = t, Text = null };
                var data = ReadExact(n + 2, raw);
                return new RespReply { Raw = [], Type = t, Text = Encoding.Latin1.GetString(data, 0, n) };
            }
            case '*':
            case '~':
            case '>':
            case '%':
            {
                int n = int.Parse(rest);
                if (n < 0) return new RespReply { Raw = [], Type = t, Items = null };
                if (t == '%') n *= 2;
                var items = new List<RespReply>(n);
                for (int i = 0; i < n; i++) items.Add(ReadValue(raw));
                return new RespReply { Raw = [], Type = t, Items = items };
            }
            case '|':
            {
                // A RESP3 attribute map: read it (its bytes stay in Raw), then the reply it annotates.
                int n = int.Parse(rest) * 2;
                for (int i = 0; i < n; i++) ReadValue(raw);
                return ReadValue(raw);
            }
            default:
                throw new InvalidDataException($"unexpected reply line '{line}'");
        }
    }

    public void Dispose() => _socket.Dispose();
}
