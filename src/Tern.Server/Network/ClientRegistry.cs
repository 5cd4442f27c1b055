namespace Tern.Server.Network;

/// <summary>
/// Every connected client, for CLIENT LIST/KILL, INFO clients, timeouts and maxclients; and the server-wide
/// client states: CLIENT PAUSE and the count of blocked clients.
/// </summary>
public sealed class ClientRegistry
{
    private readonly Dictionary<long, Connection> _byId = [];
    private int _blocked;

    public int Count
    {
        get { lock (_byId) return _byId.Count; }
    }

    /// <summary>CLIENT PAUSE / UNPAUSE.</summary>
    public ClientPause Pause { get; } = new();

    /// <summary>Clients waiting on a blocking command or a pause (INFO clients blocked_clients).</summary>
    public int BlockedCount => Volatile.Read(ref _blocked);

    internal void BlockedChanged(int delta) => Interlocked.Add(ref _blocked, delta);

    public void Add(Connection c)
    {
        lock (_byId) _byId[c.Client.Id] = c;
    }

    public void Remove(Connection c)
    {
        lock (_byId) _byId.Remove(c.Client.Id);
    }

    public Connection? Find(long id)
    {
        lock (_byId) return _byId.GetValueOrDefault(id);
    }

    /// <summary>A snapshot of the connections, in id order (CLIENT LIST's order).</summary>
    public List<Connection> Snapshot()
    {
        List<Connection> l;
        lock (_byId) l = [.. _byId.Values];
        l.Sort((a, b) => a.Client.Id.CompareTo(b.Client.Id));
        return l;
    }

    /// <summary>Redis's getClientTypeByName: normal, slave or replica, pubsub, master (any case).</summary>
    public static bool TryParseType(ReadOnlySpan<byte> name, out ClientType type)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(name, "normal"u8)) type = ClientType.Normal;
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "slave"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "replica"u8)) type = ClientType.Replica;
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "pubsub"u8)) type = ClientType.PubSub;
        else if (System.Text.Ascii.EqualsIgnoreCase(name, "master"u8)) type = ClientType.Master;
        else
        {
            type = default;
            return false;
        }
        return true;
    }

    /// <summary>
    /// Closes every client idle for more than <paramref name="timeoutSeconds"/> (the <c>timeout</c> config),
    /// except those Redis exempts (<see cref="Client.IdleTimeoutExempt"/>). Returns how many were closed.
    /// </summary>
    public int CloseIdle(long timeoutSeconds, long nowMs, Log log)
    {
        if (timeoutSeconds <= 0) return 0;
        int closed = 0;
        foreach (var c in Snapshot())
        {
            var cl = c.Client;
            if (cl.IdleTimeoutExempt) continue;
            if (nowMs - cl.LastInteractionMs > timeoutSeconds * 1000)
            {
                log.Verbose("Closing idle client");
                c.Close();
                closed++;
            }
        }
        return closed;
    }
}
