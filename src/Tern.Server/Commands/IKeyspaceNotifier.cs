namespace Tern.Server.Commands;

/// <summary>Publishes keyspace notifications (__keyspace@db__:key / __keyevent@db__:event) to subscribers.</summary>
public interface IKeyspaceNotifier
{
    void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key);
}
