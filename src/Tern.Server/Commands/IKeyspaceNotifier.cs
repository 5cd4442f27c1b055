namespace Tern.Server.Commands;

/// <summary>Publishes keyspace notifications (__keyspace@db__:key / __keyevent@db__:event) to subscribers.</summary>
public interface IKeyspaceNotifier
{
    void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key);

    /// <summary>
    /// Publishes one event caused by the command of <paramref name="origin"/>: a subscriber that is that command's
    /// client gets the message ahead of the command's reply, as in Redis. By default the origin is ignored.
    /// </summary>
    void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key, CommandContext origin) =>
        Publish(db, notifyClass, evt, key);
}
