using System.Text;
using Tern.Server.Commands;
using Tern.Server.Network;
using Kind = Tern.Server.Network.PubSubRegistry.Kind;

namespace Tern.Server.Families;

/// <summary>Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH, SPUBLISH and PUBSUB.</summary>
public static class PubSubFamily
{
    /// <summary>A confirmation as Redis's addReplyPubsub(Pat)(Un)Subscribed: a push of kind, name (or nil), count.</summary>
    private static void Confirm(CommandContext ctx, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> name, bool nullName, bool shard)
    {
        var r = ctx.Reply;
        var c = ctx.Client;
        r.PushHeader(3);
        r.Bulk(kind);
        if (nullName) r.Null();
        else r.Bulk(name);
        // Channels and patterns count together; shard channels on their own (clientShardSubscriptionsCount).
        r.Integer(shard ? c.SubscribedShardChannels : c.SubscribedChannels + c.SubscribedPatterns);
    }

    private static void SubscribeMany(CommandContext ctx, Kind kind, ReadOnlySpan<byte> reply)
    {
        var reg = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            reg.Subscribe(ctx.Client, kind, ctx.Arg(i));
            Confirm(ctx, reply, ctx.Arg(i), false, kind == Kind.Shard);
        }
    }

    private static void UnsubscribeMany(CommandContext ctx, Kind kind, ReadOnlySpan<byte> reply)
    {
        var reg = ctx.Server.PubSub;
        bool shard = kind == Kind.Shard;
        if (ctx.ArgCount == 1)
        {
            int count = 0;
            foreach (var name in reg.SubscriptionsOf(ctx.Client, kind))
            {
                if (reg.Unsubscribe(ctx.Client, kind, name)) count++;
                Confirm(ctx, reply, name, false, shard);
            }
            // Subscribed to nothing: still one reply, with a nil name.
            if (count == 0) Confirm(ctx, reply, default, true, shard);
            return;
        }
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            reg.Unsubscribe(ctx.Client, kind, ctx.Arg(i));
            Confirm(ctx, reply, ctx.Arg(i), false, shard);
        }
    }

    // SUBSCRIBE channel [channel ...]
    private static void Subscribe(CommandContext ctx) => SubscribeMany(ctx, Kind.Channel, "subscribe"u8);

    // PSUBSCRIBE pattern [pattern ...]
    private static void PSubscribe(CommandContext ctx) => SubscribeMany(ctx, Kind.Pattern, "psubscribe"u8);

    // SSUBSCRIBE shardchannel [shardchannel ...]
    private static void SSubscribe(CommandContext ctx)
    {
        // Inside MULTI/EXEC the client may not block; SUBSCRIBE and PSUBSCRIBE are let through there for
        // backward compatibility, SSUBSCRIBE is not.
        if (ctx.DenyBlocking)
        {
            ctx.Error(Errors.SsubscribeDenyBlocking);
            return;
        }
        SubscribeMany(ctx, Kind.Shard, "ssubscribe"u8);
    }

    // UNSUBSCRIBE [channel [channel ...]]
    private static void Unsubscribe(CommandContext ctx) => UnsubscribeMany(ctx, Kind.Channel, "unsubscribe"u8);

    // PUNSUBSCRIBE [pattern [pattern ...]]
    private static void PUnsubscribe(CommandContext ctx) => UnsubscribeMany(ctx, Kind.Pattern, "punsubscribe"u8);

    // SUNSUBSCRIBE [shardchannel [shardchannel ...]]
    private static void SUnsubscribe(CommandContext ctx) => UnsubscribeMany(ctx, Kind.Shard, "sunsubscribe"u8);

    // PUBLISH channel message
    private static void Publish(CommandContext ctx) => PublishGeneric(ctx, false);

    // SPUBLISH shardchannel message
    private static void SPublish(CommandContext ctx) => PublishGeneric(ctx, true);

    private static void PublishGeneric(CommandContext ctx, bool shard)
    {
        int receivers = ctx.Server.PubSub.Publish(ctx.Arg(1), ctx.Arg(2), shard, ctx.Client, ctx.Reply);
        // Replicas get PUBLISH although it changes no data (Redis's forceCommandPropagation; not dirty).
        ctx.ForcePropagate = true;
        ctx.Reply.Integer(receivers);
    }

    // PUBSUB CHANNELS [pattern]
    private static void Channels(CommandContext ctx) => ChannelList(ctx, false);

    // PUBSUB SHARDCHANNELS [pattern]
    private static void ShardChannels(CommandContext ctx) => ChannelList(ctx, true);

    private static void ChannelList(CommandContext ctx, bool shard)
    {
        if (ctx.ArgCount > 3)
        {
            ctx.Error(Errors.SubcommandSyntax(ctx.Arg(1), ctx.Arg(0)));
            return;
        }
        var names = ctx.Server.PubSub.ChannelNames(shard);
        bool all = ctx.ArgCount == 2;
        var pattern = all ? default : ctx.Arg(2);
        int n = 0;
        foreach (var name in names)
            if (all || Glob.Match(pattern, name)) n++;
        ctx.Reply.ArrayHeader(n);
        foreach (var name in names)
        {
            if (n == 0) break;
            if (all || Glob.Match(pattern, name))
            {
                ctx.Reply.Bulk(name);
                n--;
            }
        }
    }

    // PUBSUB NUMSUB [channel [channel ...]]
    private static void NumSub(CommandContext ctx) => NumSubGeneric(ctx, false);

    // PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
    private static void ShardNumSub(CommandContext ctx) => NumSubGeneric(ctx, true);

    private static void NumSubGeneric(CommandContext ctx, bool shard)
    {
        var r = ctx.Reply;
        r.ArrayHeader((ctx.ArgCount - 2) * 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            r.Bulk(ctx.Arg(i));
            r.Integer(ctx.Server.PubSub.SubscriberCount(shard, ctx.Arg(i)));
        }
    }

    // PUBSUB NUMPAT
    private static void NumPat(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.PubSub.PatternCount);

    private static readonly string[] HelpLines =
    [
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
    ];

    // PUBSUB HELP
    private static void Help(CommandContext ctx)
    {
        var r = ctx.Reply;
        r.ArrayHeader(HelpLines.Length + 3);
        r.Simple(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(ctx.Arg(0)).ToUpperInvariant() + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        foreach (var l in HelpLines) r.Simple(Encoding.UTF8.GetBytes(l));
        r.Simple("HELP"u8);
        r.Simple("    Prints this help."u8);
    }

    public static void Register(CommandTable t)
    {
        t.Add("subscribe", Subscribe);
        t.Add("psubscribe", PSubscribe);
        t.Add("ssubscribe", SSubscribe);
        t.Add("unsubscribe", Unsubscribe);
        t.Add("punsubscribe", PUnsubscribe);
        t.Add("sunsubscribe", SUnsubscribe);
        t.Add("publish", Publish);
        t.Add("spublish", SPublish);
        t.Add("pubsub|channels", Channels);
        t.Add("pubsub|shardchannels", ShardChannels);
        t.Add("pubsub|numsub", NumSub);
        t.Add("pubsub|shardnumsub", ShardNumSub);
        t.Add("pubsub|numpat", NumPat);
        t.Add("pubsub|help", Help);
    }
}
