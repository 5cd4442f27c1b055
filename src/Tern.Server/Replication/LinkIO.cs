using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Tern.Server.Replication;

/// <summary>Ends one attempt of the replica link; the message goes to the log (and master_link_status stays down).</summary>
public sealed class LinkException(string message) : Exception(message);

/// <summary>
/// The socket to the primary with one receive buffer, read synchronously by the link's own thread: lines during
/// the handshake, raw bytes for the RDB payload, and the command stream afterwards. Every wait is sliced so a
/// stop request or the link's timeout ends it promptly.
/// </summary>
internal sealed class LinkIO : IDisposable
{
    private const int PollSliceUs = 100_000;

    private readonly Socket _socket;
    private readonly Func<bool> _stopped;
    private readonly Action<int> _received;

    public byte[] Buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
    public int Start, End;

    public LinkIO(Socket socket, Func<bool> stopped, Action<int> received)
    {
        _socket = socket;
        _stopped = stopped;
        _received = received;
    }

    /// <summary>Milliseconds without a byte after which a wait fails.</summary>
    public long TimeoutMs { get; set; } = 5000;

    public int Available => End - Start;

    public Socket Socket => _socket;

    /// <summary>Waits up to <paramref name="sliceUs"/> for the socket to be readable.</summary>
    public bool Poll(int sliceUs)
    {
        try
        {
            return _socket.Poll(sliceUs, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new LinkException("Connection with master lost.");
        }
    }

    /// <summary>Reads once from the socket into the buffer (growing or compacting it, keeping bytes from <paramref name="keepFrom"/>).</summary>
    public int ReceiveOnce(int keepFrom)
    {
        if (End == Buffer.Length)
        {
            if (keepFrom > 0)
            {
                System.Buffer.BlockCopy(Buffer, keepFrom, Buffer, 0, End - keepFrom);
                End -= keepFrom;
                Start -= keepFrom;
                Compacted(keepFrom);
            }
            else
            {
                Grow(Buffer.Length * 2);
            }
        }
        int n;
        try
        {
            n = _socket.Receive(Buffer, End, Buffer.Length - End, SocketFlags.None);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new LinkException("Connection with master lost.");
        }
        if (n <= 0) throw new LinkException("Connection with master lost.");
        End += n;
        _received(n);
        return n;
    }

    /// <summary>Called after the buffer moved left by <c>shift</c> bytes (the stream loop adjusts its marks).</summary>
    public Action<int> Compacted { get; set; } = static _ => { };

    public void Grow(int size)
    {
        var nb = ArrayPool<byte>.Shared.Rent(size);
        System.Buffer.BlockCopy(Buffer, 0, nb, 0, End);
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = nb;
    }

    /// <summary>Waits for bytes, failing after <see cref="TimeoutMs"/> of silence or when stopped.</summary>
    public void Fill()
    {
        long deadline = Environment.TickCount64 + TimeoutMs;
        while (true)
        {
            if (_stopped()) throw new LinkException("Replication link stopped.");
            if (Poll(PollSliceUs))
            {
                if (Start == End) Start = End = 0;
                ReceiveOnce(Start);
                return;
            }
            if (Environment.TickCount64 > deadline) throw new LinkException("Timeout waiting for data from MASTER");
        }
    }

    /// <summary>One line without its CRLF (Redis's syncReadLine); at most 64 KB.</summary>
    public string ReadLine()
    {
        while (true)
        {
            int nl = Buffer.AsSpan(Start, End - Start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                int len = nl;
                if (len > 0 && Buffer[Start + len - 1] == '\r') len--;
                string line = Encoding.Latin1.GetString(Buffer, Start, len);
                Start += nl + 1;
                return line;
            }
            if (End - Start > 64 * 1024) throw new LinkException("Line from MASTER too long");
            Fill();
        }
    }

    /// <summary>Copies buffered bytes, or reads more from the socket, into <paramref name="dst"/>.</summary>
    public int Read(Span<byte> dst)
    {
        if (dst.Length == 0) return 0;
        if (Start == End) Fill();
        int n = Math.Min(dst.Length, End - Start);
        Buffer.AsSpan(Start, n).CopyTo(dst);
        Start += n;
        return n;
    }

    /// <summary>Puts bytes back in front of the buffered ones (bytes a reader took past the RDB's end).</summary>
    public void Unread(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return;
        int have = End - Start;
        var nb = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length, data.Length + have));
        data.CopyTo(nb);
        Buffer.AsSpan(Start, have).CopyTo(nb.AsSpan(data.Length));
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = nb;
        Start = 0;
        End = data.Length + have;
    }

    public void Send(ReadOnlySpan<byte> data)
    {
        try
        {
            while (data.Length > 0)
            {
                int n = _socket.Send(data, SocketFlags.None);
                if (n <= 0) throw new LinkException("Connection with master lost.");
                data = data[n..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new LinkException("Connection with master lost.");
        }
    }

    /// <summary>Closes the socket from another thread: a blocked read or poll on the link thread then fails.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }

    /// <summary>Closes the socket and returns the buffer (only on the link's own thread).</summary>
    public void Dispose()
    {
        Abort();
        var b = Buffer;
        Buffer = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}

/// <summary>
/// The RDB payload as a Stream over the link: counts bytes (master_sync_read_bytes), stops at the payload's
/// length for the "$len" framing, and sends the primary a newline at most once a second so it does not time the
/// replica out during a long load (replicationSendNewlineToMaster).
/// </summary>
internal sealed class PayloadStream(LinkIO io, long length, Action<long> progress) : Stream
{
    private long _read;
    private long _lastNewline = Environment.TickCount64;

    public long BytesRead => _read;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (length >= 0)
        {
            long left = length - _read;
            if (left <= 0) return 0;
            if (buffer.Length > left) buffer = buffer[..(int)left];
        }
        int n = io.Read(buffer);
        _read += n;
        progress(_read);
        KeepAlive();
        return n;
    }

    /// <summary>A newline to the primary, at most once a second.</summary>
    public void KeepAlive()
    {
        long now = Environment.TickCount64;
        if (now - _lastNewline < 1000) return;
        _lastNewline = now;
        try
        {
            io.Send("\n"u8);
        }
        catch (LinkException)
        {
            // Best effort, as in Redis; the next read notices a dead link.
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
