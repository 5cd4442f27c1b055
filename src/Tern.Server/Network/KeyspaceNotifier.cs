using System.Buffers;
using System.Buffers.Text;
using Tern.Server.Commands;
using Tern.Server.Configuration;

namespace Tern.Server.Network;

/// <summary>
/// Keyspace notifications over Pub/Sub, as Redis's notifyKeyspaceEvent: with K, "__keyspace@db__:key" gets the
/// event name; with E, "__keyevent@db__:event" gets the key (keyspace first).
/// </summary>
public sealed class KeyspaceNotifier(TernServer server) : IKeyspaceNotifier
{
    public void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key) =>
        Publish(db, notifyClass, evt, key, null);

    public void Publish(int db, int notifyClass, ReadOnlySpan<byte> evt, ReadOnlySpan<byte> key, CommandContext? origin)
    {
        int flags = server.Config.NotifyKeyspaceEvents;
        if ((flags & notifyClass) == 0) return;
        var pubsub = server.PubSub;
        if ((flags & ServerConfig.Notify.Keyspace) != 0) Send(pubsub, "__keyspace@"u8, db, key, evt, origin);
        if ((flags & ServerConfig.Notify.Keyevent) != 0) Send(pubsub, "__keyevent@"u8, db, evt, key, origin);
    }

    private static void Send(PubSubRegistry pubsub, ReadOnlySpan<byte> prefix, int db, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> message, CommandContext? origin)
    {
        int len = prefix.Length + 11 + 3 + suffix.Length;
        byte[]? rented = null;
        Span<byte> buf = len <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(len));
        prefix.CopyTo(buf);
        int n = prefix.Length;
        Utf8Formatter.TryFormat(db, buf[n..], out int w);
        n += w;
        "__:"u8.CopyTo(buf[n..]);
        n += 3;
        suffix.CopyTo(buf[n..]);
        n += suffix.Length;
        pubsub.Publish(buf[..n], message, shard: false, origin?.Client, origin?.Reply);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);
    }
}
