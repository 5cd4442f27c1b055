using System.Net;
using Tern.Server.Commands;
using Tern.Server.Families;
using Tern.Server.Network;

namespace Tern.Unit.Tests;

/// <summary>Decisions of the network layer that cannot all be provoked over loopback: admission and pause.</summary>
public sealed class ConnectionDecisionTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    public void LocalPeerIsExactlyLoopbackOne(string address, bool local)
    {
        Assert.Equal(local, Listener.IsLocalPeer(IPAddress.Parse(address)));
    }

    [Fact]
    public void ProtectedModeRefusesRemotePeersWithoutPassword()
    {
        var remote = IPAddress.Parse("203.0.113.7");
        Assert.Equal(Listener.ProtectedModeError, Listener.Admission(0, 10000, protectedMode: true, hasPassword: false, remote));
        Assert.Null(Listener.Admission(0, 10000, protectedMode: true, hasPassword: true, remote));
        Assert.Null(Listener.Admission(0, 10000, protectedMode: false, hasPassword: false, remote));
        Assert.Null(Listener.Admission(0, 10000, protectedMode: true, hasPassword: false, IPAddress.Loopback));
        Assert.Null(Listener.Admission(0, 10000, protectedMode: true, hasPassword: false, IPAddress.IPv6Loopback));
        Assert.Equal(Listener.ProtectedModeError, Listener.Admission(0, 10000, protectedMode: true, hasPassword: false, null));
        Assert.StartsWith("-DENIED Redis is running in protected mode", Listener.ProtectedModeError);
        Assert.EndsWith("accepting connections from the outside.\r\n", Listener.ProtectedModeError);
    }

    [Fact]
    public void MaxClientsIsCheckedFirst()
    {
        var remote = IPAddress.Parse("203.0.113.7");
        Assert.Equal("-ERR max number of clients reached\r\n", Listener.Admission(3, 3, protectedMode: true, hasPassword: false, remote));
        Assert.Equal(Listener.MaxClientsError, Listener.Admission(4, 3, protectedMode: false, hasPassword: false, IPAddress.Loopback));
        Assert.Null(Listener.Admission(2, 3, protectedMode: false, hasPassword: false, IPAddress.Loopback));
    }

    private static (CommandDef get, CommandDef set, CommandDef ping) Commands()
    {
        var t = new CommandTable();
        CommandFamilies.RegisterAll(t);
        return (t.FindByFullName("get")!, t.FindByFullName("set")!, t.FindByFullName("ping")!);
    }

    private static readonly Lazy<Tern.Server.TernServer> Server = new(() => new(new Tern.Server.Configuration.ServerConfig()));

    /// <summary>A client with a (never connected) connection: pauses apply only to clients that have one.</summary>
    private static Client NewClient() =>
        new Connection(Server.Value, new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp), 1).Client;

    [Fact]
    public void PauseWriteHoldsWritesAllHoldsEverything()
    {
        var (get, set, ping) = Commands();
        using var p = new ClientPause();
        var c = NewClient();
        long now = Tern.Server.Storage.Clock.UnixMs();
        Assert.False(p.Postpones(set, c));
        Assert.True(p.WhenEnded().IsCompleted);

        p.Pause(now + 60_000, PauseType.Write);
        Assert.Equal(PauseType.Write, p.Type);
        Assert.True(p.Postpones(set, c));
        Assert.False(p.Postpones(get, c));
        Assert.False(p.Postpones(ping, c));
        var ended = p.WhenEnded();
        Assert.False(ended.IsCompleted);

        // A second pause takes the more restrictive type and the later end.
        p.Pause(now + 1_000, PauseType.All);
        Assert.Equal(PauseType.All, p.Type);
        Assert.Equal(now + 60_000, p.EndMs);
        Assert.True(p.Postpones(get, c));
        Assert.True(p.Postpones(ping, c));
        p.Pause(now + 120_000, PauseType.Write);
        Assert.Equal(PauseType.All, p.Type);
        Assert.Equal(now + 120_000, p.EndMs);

        // Replicas and monitors are never paused.
        var monitor = NewClient();
        monitor.IsMonitor = true;
        Assert.False(p.Postpones(set, monitor));
        var replica = NewClient();
        replica.IsReplica = true;
        Assert.False(p.Postpones(set, replica));
        // Internal clients (no connection to wait in) are not paused.
        Assert.False(p.Postpones(set, new Client("a:1", "b:2")));

        p.Unpause();
        Assert.True(ended.IsCompleted);
        Assert.Equal(PauseType.Off, p.Type);
        Assert.False(p.Postpones(set, c));
        Assert.True(p.WhenEnded().IsCompleted);
    }

    [Fact]
    public void PauseInThePastEndsAtOnce()
    {
        var (_, set, _) = Commands();
        using var p = new ClientPause();
        p.Pause(0, PauseType.All);
        Assert.Equal(PauseType.Off, p.Type);
        Assert.False(p.Postpones(set, NewClient()));
        // An expired pause stops holding commands even before its timer runs.
        p.Pause(Tern.Server.Storage.Clock.UnixMs() + 60_000, PauseType.All);
        Assert.True(p.Postpones(set, NewClient()));
    }

    [Fact]
    public async Task PauseEndsWhenItsTimeComes()
    {
        using var p = new ClientPause();
        p.Pause(Tern.Server.Storage.Clock.UnixMs() + 50, PauseType.All);
        await p.WhenEnded().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(PauseType.Off, p.Type);
    }

    [Theory]
    [InlineData("normal", ClientType.Normal)]
    [InlineData("NORMAL", ClientType.Normal)]
    [InlineData("slave", ClientType.Replica)]
    [InlineData("Replica", ClientType.Replica)]
    [InlineData("pubsub", ClientType.PubSub)]
    [InlineData("master", ClientType.Master)]
    public void ClientTypeNames(string name, ClientType type)
    {
        Assert.True(ClientRegistry.TryParseType(System.Text.Encoding.ASCII.GetBytes(name), out var t));
        Assert.Equal(type, t);
        Assert.False(ClientRegistry.TryParseType("monitor"u8, out _));
    }

    [Fact]
    public void ClientClassesAndFlags()
    {
        var c = NewClient();
        Assert.Equal(ClientType.Normal, c.Type);
        Assert.Equal("N", c.FlagString());
        c.IsMonitor = true;
        c.IsReplica = true;
        Assert.Equal(ClientType.Replica, c.Type);
        c.IsReplica = false;
        Assert.Equal(ClientType.Normal, c.Type);
        Assert.Equal("O", c.FlagString());
        Assert.True(c.IdleTimeoutExempt);
        c.IsMonitor = false;
        c.SubscribedChannels = 1;
        Assert.Equal(ClientType.PubSub, c.Type);
        c.SubscribedChannels = 0;
        c.Blocked = ClientPause.Postponed;
        c.NoEvict = true;
        Assert.Equal("be", c.FlagString());
        Assert.True(c.IdleTimeoutExempt);
        c.Blocked = null;
        Assert.False(c.IdleTimeoutExempt);
        c.IsPrimaryLink = true;
        Assert.Equal(ClientType.Master, c.Type);
    }
}
