using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Tern.Protocol;

namespace Tern.Server.Network;

/// <summary>Byte-string equality for channel names, with span lookups (no allocation on PUBLISH).</summary>
public sealed class ChannelComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ChannelComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    private static int Hash(ReadOnlySpan<byte> s)
    {
        var h = new HashCode();
        h.AddBytes(s);
        return h.ToHashCode();
    }
}

/// <summary>
/// The server's Pub/Sub state: channel → subscribers, pattern → subscribers, shard channel → subscribers, and
/// each client's own subscriptions. Subscribing and unsubscribing take one lock; PUBLISH takes none: subscriber
/// lists are immutable arrays replaced on change (copy-on-write), read with a volatile load.
/// </summary>
public sealed class PubSubRegistry
{
    /// <summary>Subscribers of one channel or pattern, in subscription order.</summary>
    private sealed class Subscribers(byte[] name)
    {
        public readonly byte[] Name = name;
        public volatile Client[] Clients = [];
    }

    /// <summary>One client's subscriptions, in subscription order (only its own connection changes them).</summary>
    private sealed class ClientSubs
    {
        public readonly List<byte[]> Channels = [];
        public readonly List<byte[]> Patterns = [];
        public readonly List<byte[]> ShardChannels = [];
    }

    private readonly object _lock = new();
    private readonly ConcurrentDictionary<byte[], Subscribers> _channels = new(ChannelComparer.Instance);
    private readonly ConcurrentDictionary<byte[], Subscribers> _shardChannels = new(ChannelComparer.Instance);
    private readonly Dictionary<byte[], Subscribers> _patternIndex = new(ChannelComparer.Instance);
    private volatile Subscribers[] _patterns = [];
    private readonly ConditionalWeakTable<Client, ClientSubs> _clients = new();

    /// <summary>Channels with at least one subscriber (INFO pubsub_channels).</summary>
    public int ChannelCount => _channels.Count;

    /// <summary>Distinct patterns with at least one subscriber (INFO pubsub_patterns, PUBSUB NUMPAT).</summary>
    public int PatternCount => _patterns.Length;

    /// <summary>Shard channels with at least one subscriber (INFO pubsubshard_channels).</summary>
    public int ShardChannelCount => _shardChannels.Count;

    public enum Kind { Channel, Pattern, Shard }

    private ClientSubs SubsOf(Client c) => _clients.GetValue(c, static _ => new ClientSubs());

    private List<byte[]> ListOf(ClientSubs s, Kind kind) => kind switch
    {
        Kind.Channel => s.Channels,
        Kind.Pattern => s.Patterns,
        _ => s.ShardChannels,
    };

    private static int IndexOf(List<byte[]> list, ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < list.Count; i++)
            if (name.SequenceEqual(list[i])) return i;
        return -1;
    }

    /// <summary>Subscribes <paramref name="c"/>; false when it was subscribed already.</summary>
    public bool Subscribe(Client c, Kind kind, ReadOnlySpan<byte> name)
    {
        lock (_lock)
        {
            var own = ListOf(SubsOf(c), kind);
            if (IndexOf(own, name) >= 0) return false;
            var key = name.ToArray();
            own.Add(key);
            Subscribers subs;
            if (kind == Kind.Pattern)
            {
                if (!_patternIndex.TryGetValue(key, out subs!))
                {
                    subs = new Subscribers(key);
                    _patternIndex.Add(key, subs);
                    var arr = _patterns;
                    var next = new Subscribers[arr.Length + 1];
                    arr.CopyTo(next, 0);
                    next[arr.Length] = subs;
                    _patterns = next;
                }
            }
            else
            {
                subs = (kind == Kind.Channel ? _channels : _shardChannels).GetOrAdd(key, static k => new Subscribers(k));
            }
            var old = subs.Clients;
            var grown = new Client[old.Length + 1];
            old.CopyTo(grown, 0);
            grown[old.Length] = c;
            subs.Clients = grown;
            switch (kind)
            {
                case Kind.Channel: c.SubscribedChannels++; break;
                case Kind.Pattern: c.SubscribedPatterns++; break;
                default: c.SubscribedShardChannels++; break;
            }
            return true;
        }
    }

    /// <summary>Unsubscribes <paramref name="c"/>; false when it was not subscribed.</summary>
    public bool Unsubscribe(Client c, Kind kind, ReadOnlySpan<byte> name)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(c, out var s)) return false;
            var own = ListOf(s, kind);
            int at = IndexOf(own, name);
            if (at < 0) return false;
            var key = own[at];
            own.RemoveAt(at);
            Subscribers? subs;
            if (kind == Kind.Pattern) _patternIndex.TryGetValue(key, out subs);
            else (kind == Kind.Channel ? _channels : _shardChannels).TryGetValue(key, out subs);
            if (subs != null)
            {
                var old = subs.Clients;
                int idx = Array.IndexOf(old, c);
                if (idx >= 0)
                {
                    if (old.Length == 1)
                    {
                        subs.Clients = [];
                        if (kind == Kind.Pattern)
                        {
                            _patternIndex.Remove(key);
                            var arr = _patterns;
                            var next = new Subscribers[arr.Length - 1];
                            int j = 0;
                            foreach (var p in arr) if (p != subs) next[j++] = p;
                            _patterns = next;
                        }
                        else (kind == Kind.Channel ? _channels : _shardChannels).TryRemove(key, out _);
                    }
                    else
                    {
                        var shrunk = new Client[old.Length - 1];
                        Array.Copy(old, 0, shrunk, 0, idx);
                        Array.Copy(old, idx + 1, shrunk, idx, old.Length - idx - 1);
                        subs.Clients = shrunk;
                    }
                }
            }
            switch (kind)
            {
                case Kind.Channel: c.SubscribedChannels--; break;
                case Kind.Pattern: c.SubscribedPatterns--; break;
                default: c.SubscribedShardChannels--; break;
            }
            return true;
        }
    }

    /// <summary>The client's subscriptions of one kind, in subscription order (a copy).</summary>
    public byte[][] SubscriptionsOf(Client c, Kind kind)
    {
        lock (_lock)
        {
            return _clients.TryGetValue(c, out var s) ? ListOf(s, kind).ToArray() : [];
        }
    }

    /// <summary>Drops every subscription of the client without replies (disconnect, RESET).</summary>
    public void UnsubscribeAll(Client c)
    {
        if (!c.IsSubscribed) return;
        foreach (var k in (ReadOnlySpan<Kind>)[Kind.Channel, Kind.Shard, Kind.Pattern])
            foreach (var name in SubscriptionsOf(c, k)) Unsubscribe(c, k, name);
    }

    /// <summary>Subscribers of an exact channel (PUBSUB NUMSUB / SHARDNUMSUB).</summary>
    public int SubscriberCount(bool shard, ReadOnlySpan<byte> channel)
    {
        var map = (shard ? _shardChannels : _channels).GetAlternateLookup<ReadOnlySpan<byte>>();
        return map.TryGetValue(channel, out var s) ? s.Clients.Length : 0;
    }

    /// <summary>Active channel names (PUBSUB CHANNELS / SHARDCHANNELS).</summary>
    public List<byte[]> ChannelNames(bool shard)
    {
        var list = new List<byte[]>();
        foreach (var kv in shard ? _shardChannels : _channels)
            if (kv.Value.Clients.Length > 0) list.Add(kv.Key);
        return list;
    }

    /// <summary>
    /// Delivers a message as Redis's pubsubPublishMessage: to the channel's subscribers ("message"/"smessage"),
    /// then, unless sharded, to every matching pattern's subscribers ("pmessage"). A message to
    /// <paramref name="self"/> goes into <paramref name="selfReply"/>, before the command's own reply, as in
    /// Redis; others get it through <see cref="Connection.Push"/>. Returns the number of receivers. Under CLIENT
    /// REPLY OFF/SKIP the own message is pushed instead, as Redis delivers pushes whatever the reply mode.
    /// </summary>
    public int Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool shard, Client? self = null, ReplyWriter? selfReply = null)
    {
        int receivers = 0;
        var map = (shard ? _shardChannels : _channels).GetAlternateLookup<ReadOnlySpan<byte>>();
        if (map.TryGetValue(channel, out var subs))
        {
            var clients = subs.Clients;
            if (clients.Length > 0)
            {
                byte[]? r2 = null, r3 = null;
                var kind = shard ? "smessage"u8 : "message"u8;
                foreach (var c in clients)
                {
                    receivers++;
                    if (c == self && selfReply != null && c.ReplyMode == ReplyMode.On)
                    {
                        WriteMessage(selfReply, selfReply.Protocol, kind, default, channel, message, false);
                        continue;
                    }
                    var frame = c.Protocol == 3
                        ? r3 ??= Frame(3, kind, default, channel, message, false)
                        : r2 ??= Frame(2, kind, default, channel, message, false);
                    c.Connection?.Push(frame);
                }
            }
        }
        if (shard) return receivers;
        var patterns = _patterns;
        foreach (var p in patterns)
        {
            if (!Glob.Match(p.Name, channel)) continue;
            var clients = p.Clients;
            byte[]? r2 = null, r3 = null;
            foreach (var c in clients)
            {
                receivers++;
                if (c == self && selfReply != null && c.ReplyMode == ReplyMode.On)
                {
                    WriteMessage(selfReply, selfReply.Protocol, "pmessage"u8, p.Name, channel, message, true);
                    continue;
                }
                var frame = c.Protocol == 3
                    ? r3 ??= Frame(3, "pmessage"u8, p.Name, channel, message, true)
                    : r2 ??= Frame(2, "pmessage"u8, p.Name, channel, message, true);
                c.Connection?.Push(frame);
            }
        }
        return receivers;
    }

    private static byte[] Frame(int protocol, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool withPattern)
    {
        using var w = new ReplyWriter(64 + pattern.Length + channel.Length + message.Length) { Protocol = protocol };
        WriteMessage(w, protocol, kind, pattern, channel, message, withPattern);
        return w.WrittenSpan.ToArray();
    }

    private static void WriteMessage(ReplyWriter w, int protocol, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool withPattern)
    {
        int saved = w.Protocol;
        w.Protocol = protocol;
        w.PushHeader(withPattern ? 4 : 3);
        w.Bulk(kind);
        if (withPattern) w.Bulk(pattern);
        w.Bulk(channel);
        w.Bulk(message);
        w.Protocol = saved;
    }
}
