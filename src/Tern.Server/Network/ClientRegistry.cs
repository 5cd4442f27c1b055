namespace Tern.Server.Network;

/// <summary>Every connected client, for CLIENT LIST/KILL, INFO clients, timeouts and maxclients.</summary>
public sealed class ClientRegistry
{
    private readonly Dictionary<long, Connection> _byId = [];

    public int Count
    {
        get { lock (_byId) return _byId.Count; }
    }

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
}
