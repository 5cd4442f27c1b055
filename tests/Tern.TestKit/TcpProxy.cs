using System.Net;
using System.Net.Sockets;

namespace Tern.TestKit;

/// <summary>
/// A real TCP relay on a free loopback port towards 127.0.0.1:<c>targetPort</c>, for replication tests: it can
/// cut every open connection, refuse new ones, cut a connection after a number of bytes from the target, and
/// rewrite bytes the target sends (same-length replacement; the bytes that differ must be the pattern's last
/// ones, so a pattern split across two reads is still patched).
/// </summary>
public sealed class TcpProxy : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly List<(Socket A, Socket B)> _open = [];
    private readonly object _lock = new();
    private readonly List<(byte[] From, byte[] To)> _replacements = [];
    private volatile bool _disposed;
    private long _downstream;
    private int _accepted;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(AcceptLoop) { IsBackground = true, Name = "test-proxy" }.Start();
    }

    public int Port { get; }

    /// <summary>Bytes relayed from the target to clients, over all connections.</summary>
    public long DownstreamBytes => Interlocked.Read(ref _downstream);

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>While true, new connections are closed at once (the target looks unreachable).</summary>
    public volatile bool Refuse;

    /// <summary>When &gt;= 0: a connection is cut once it relayed this many bytes from the target (then reset to -1).</summary>
    public long CutAfterDownstream = -1;

    /// <summary>When &gt;= 0: what the target sends is held back once this many bytes were relayed, until it is set to -1.</summary>
    public long HoldAfterDownstream = -1;

    /// <summary>Rewrites <paramref name="from"/> into <paramref name="to"/> (same length) in what the target sends.</summary>
    public void Replace(byte[] from, byte[] to)
    {
        if (from.Length != to.Length) throw new ArgumentException("same length only");
        lock (_lock) _replacements.Add((from, to));
    }

    public void ClearReplacements()
    {
        lock (_lock) _replacements.Clear();
    }

    /// <summary>Closes every open connection (both sides).</summary>
    public void Cut()
    {
        List<(Socket, Socket)> open;
        lock (_lock)
        {
            open = [.. _open];
            _open.Clear();
        }
        foreach (var (a, b) in open)
        {
            Close(a);
            Close(b);
        }
    }

    private static void Close(Socket s)
    {
        try
        {
            s.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        s.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            if (Refuse)
            {
                Close(client);
                continue;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                server.Connect(IPAddress.Loopback, _target);
            }
            catch (SocketException)
            {
                Close(client);
                server.Dispose();
                continue;
            }
            client.NoDelay = true;
            lock (_lock) _open.Add((client, server));
            new Thread(() => Pump(client, server, false)) { IsBackground = true }.Start();
            new Thread(() => Pump(server, client, true)) { IsBackground = true }.Start();
        }
    }

    private void Pump(Socket from, Socket to, bool downstream)
    {
        var buf = new byte[64 * 1024];
        var tail = new List<byte>();
        long relayed = 0;
        try
        {
            while (true)
            {
                int n = from.Receive(buf);
                if (n <= 0) break;
                if (downstream)
                {
                    Rewrite(buf, n, tail);
                    long cut = Interlocked.Read(ref CutAfterDownstream);
                    if (cut >= 0 && relayed + n >= cut)
                    {
                        int part = (int)Math.Max(0, cut - relayed);
                        if (part > 0) to.Send(buf, 0, part, SocketFlags.None);
                        Interlocked.Add(ref _downstream, part);
                        Interlocked.Exchange(ref CutAfterDownstream, -1);
                        break;
                    }
                    long hold = Interlocked.Read(ref HoldAfterDownstream);
                    if (hold >= 0 && relayed + n >= hold)
                    {
                        int part = (int)Math.Max(0, hold - relayed);
                        if (part > 0) to.Send(buf, 0, part, SocketFlags.None);
                        relayed += part;
                        Interlocked.Add(ref _downstream, part);
                        while (Interlocked.Read(ref HoldAfterDownstream) >= 0 && !_disposed) Thread.Sleep(10);
                        int rest = n - part;
                        int o = part;
                        while (o < n) o += to.Send(buf, o, n - o, SocketFlags.None);
                        relayed += rest;
                        Interlocked.Add(ref _downstream, rest);
                        continue;
                    }
                    relayed += n;
                    Interlocked.Add(ref _downstream, n);
                }
                int off = 0;
                while (off < n) off += to.Send(buf, off, n - off, SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Close(from);
        Close(to);
    }

    /// <summary>Patches every replacement whose match ends in this chunk (earlier bytes come from <paramref name="tail"/>).</summary>
    private void Rewrite(byte[] buf, int n, List<byte> tail)
    {
        (byte[] From, byte[] To)[] reps;
        lock (_lock) reps = [.. _replacements];
        if (reps.Length == 0) return;
        int keep = 0;
        foreach (var (from, _) in reps) keep = Math.Max(keep, from.Length - 1);
        var window = new byte[tail.Count + n];
        tail.CopyTo(window);
        Array.Copy(buf, 0, window, tail.Count, n);
        foreach (var (from, to) in reps)
        {
            for (int end = Math.Max(from.Length, tail.Count + 1); end <= window.Length; end++)
            {
                int start = end - from.Length;
                if (!window.AsSpan(start, from.Length).SequenceEqual(from)) continue;
                for (int k = 0; k < from.Length; k++)
                {
                    int pos = start + k - tail.Count;
                    if (pos >= 0) buf[pos] = to[k];
                }
            }
        }
        tail.Clear();
        for (int i = Math.Max(0, window.Length - keep); i < window.Length; i++) tail.Add(window[i]);
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Stop();
        Cut();
    }
}
