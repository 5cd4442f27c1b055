using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tern.Server.Network;

/// <summary>
/// Accepts connections on the configured addresses. Applies maxclients and Redis's protected mode (with no
/// password, only clients from 127.0.0.1 and ::1 are served).
/// </summary>
public sealed class Listener
{
    private readonly TernServer _server;
    private readonly List<Socket> _sockets = [];
    private int _nextFd = 7;

    public Listener(TernServer server) => _server = server;

    /// <summary>The port actually bound (useful with port 0 in tests).</summary>
    public int Port { get; private set; }

    public void Start()
    {
        int port = _server.Config.Port;
        foreach (var spec in _server.Config.Bind)
        {
            bool optional = spec.StartsWith('-');
            var host = optional ? spec[1..] : spec;
            IPAddress addr = host switch
            {
                "*" => IPAddress.Any,
                "::*" => IPAddress.IPv6Any,
                "localhost" => IPAddress.Loopback,
                _ => IPAddress.Parse(host),
            };
            var s = new Socket(addr.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (addr.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = false;
                s.Bind(new IPEndPoint(addr, port == 0 && Port != 0 ? Port : port));
                s.Listen(511);
            }
            catch (SocketException e) when (optional)
            {
                _server.Log.Verbose($"Could not bind optional address {host}: {e.Message}");
                s.Dispose();
                continue;
            }
            catch (SocketException e)
            {
                s.Dispose();
                foreach (var o in _sockets) o.Dispose();
                throw new InvalidOperationException($"Could not create server TCP listening socket {host}:{port}: {e.Message}", e);
            }
            if (Port == 0) Port = ((IPEndPoint)s.LocalEndPoint!).Port;
            _sockets.Add(s);
        }
        foreach (var s in _sockets) _ = AcceptLoopAsync(s);
    }

    public void Stop()
    {
        foreach (var s in _sockets) s.Dispose();
        _sockets.Clear();
    }

    private async Task AcceptLoopAsync(Socket listen)
    {
        while (true)
        {
            Socket s;
            try
            {
                s = await listen.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            s.NoDelay = true;
            if (_server.Config.TcpKeepAlive > 0) s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            var remote = s.RemoteEndPoint as IPEndPoint;
            var reject = Admission(_server.Clients.Count, _server.Config.MaxClients, _server.Config.ProtectedMode,
                _server.Config.RequirePass.Length > 0, remote?.Address);
            if (reject != null)
            {
                Interlocked.Increment(ref _server.Stats.RejectedConnections);
                RejectAndClose(s, reject);
                continue;
            }
            Interlocked.Increment(ref _server.Stats.ConnectionsReceived);
            var c = new Connection(_server, s, Interlocked.Increment(ref _nextFd));
            _server.Clients.Add(c);
            _ = Task.Run(c.RunAsync);
        }
    }

    /// <summary>
    /// Whether a new connection is served, in Redis 7.0's order: maxclients first (acceptCommonHandler), then
    /// protected mode (clientAcceptHandler: protected-mode on and no password for the default user serves only
    /// peers whose address is exactly 127.0.0.1 or ::1, whatever the bind). Returns the bytes Redis writes before
    /// closing, or null to serve the connection.
    /// </summary>
    public static string? Admission(int connectedClients, long maxClients, bool protectedMode, bool hasPassword, IPAddress? remote)
    {
        if (connectedClients >= maxClients) return MaxClientsError;
        if (protectedMode && !hasPassword && !IsLocalPeer(remote)) return ProtectedModeError;
        return null;
    }

    /// <summary>Redis's islocalClient: the peer's address text is "127.0.0.1" or "::1" (other 127.x peers are not local).</summary>
    public static bool IsLocalPeer(IPAddress? remote)
    {
        if (remote == null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return remote.Equals(IPAddress.Loopback) || remote.Equals(IPAddress.IPv6Loopback);
    }

    private static void RejectAndClose(Socket s, string error)
    {
        try
        {
            s.Send(Encoding.ASCII.GetBytes(error));
        }
        catch (SocketException)
        {
        }
        s.Dispose();
    }

    public const string MaxClientsError = "-ERR max number of clients reached\r\n";

    // Redis 7.0.15's text, typos included ("Setup a an").
    public const string ProtectedModeError =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
        "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
        "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
        "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
        "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
        "4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";
}
