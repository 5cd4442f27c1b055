using Tern.Server.Network;
using Kind = Tern.Server.Network.PubSubRegistry.Kind;

namespace Tern.Unit.Tests;

/// <summary>The Pub/Sub registry alone: counts, orders, and lock-free PUBLISH racing subscribe/unsubscribe.</summary>
public sealed class PubSubRegistryTests
{
    private static Client NewClient() => new("127.0.0.1:1", "127.0.0.1:2");

    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Fact]
    public void CountsAndCounters()
    {
        var reg = new PubSubRegistry();
        var a = NewClient();
        var b = NewClient();
        Assert.True(reg.Subscribe(a, Kind.Channel, B("x")));
        Assert.False(reg.Subscribe(a, Kind.Channel, B("x")));
        Assert.True(reg.Subscribe(b, Kind.Channel, B("x")));
        Assert.True(reg.Subscribe(a, Kind.Pattern, B("x*")));
        Assert.True(reg.Subscribe(b, Kind.Pattern, B("x*")));
        Assert.True(reg.Subscribe(b, Kind.Shard, B("x")));
        Assert.Equal(1, reg.ChannelCount);
        Assert.Equal(1, reg.PatternCount);
        Assert.Equal(1, reg.ShardChannelCount);
        Assert.Equal(2, reg.SubscriberCount(false, B("x")));
        Assert.Equal(1, reg.SubscriberCount(true, B("x")));
        Assert.Equal((1, 1, 0), (a.SubscribedChannels, a.SubscribedPatterns, a.SubscribedShardChannels));
        // Two channel subscribers and two pattern subscribers; shard subscribers only get SPUBLISH.
        Assert.Equal(4, reg.Publish(B("x"), B("m"), shard: false));
        Assert.Equal(2, reg.Publish(B("xy"), B("m"), shard: false));
        Assert.Equal(1, reg.Publish(B("x"), B("m"), shard: true));
        reg.UnsubscribeAll(b);
        Assert.False(b.IsSubscribed);
        Assert.Equal(2, reg.Publish(B("x"), B("m"), shard: false));
        Assert.False(reg.Unsubscribe(b, Kind.Channel, B("x")));
        Assert.True(reg.Unsubscribe(a, Kind.Channel, B("x")));
        Assert.True(reg.Unsubscribe(a, Kind.Pattern, B("x*")));
        Assert.Equal((0, 0, 0), (reg.ChannelCount, reg.PatternCount, reg.ShardChannelCount));
        Assert.False(a.IsSubscribed);
    }

    [Fact]
    public void SubscriptionOrderIsKept()
    {
        var reg = new PubSubRegistry();
        var a = NewClient();
        foreach (var n in new[] { "c", "a", "b" }) reg.Subscribe(a, Kind.Pattern, B(n));
        reg.Unsubscribe(a, Kind.Pattern, B("a"));
        reg.Subscribe(a, Kind.Pattern, B("a"));
        var list = reg.SubscriptionsOf(a, Kind.Pattern).Select(x => System.Text.Encoding.ASCII.GetString(x));
        Assert.Equal(["c", "b", "a"], list);
    }

    [Fact]
    public async Task PublishRacesSubscribers()
    {
        var reg = new PubSubRegistry();
        var steady = NewClient();
        reg.Subscribe(steady, Kind.Channel, B("hot"));
        using var stop = new CancellationTokenSource();
        var churn = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var c = NewClient();
            while (!stop.IsCancellationRequested)
            {
                reg.Subscribe(c, Kind.Channel, B("hot"));
                reg.Subscribe(c, Kind.Pattern, B("h*"));
                reg.UnsubscribeAll(c);
            }
        })).ToArray();
        for (int i = 0; i < 50_000; i++)
        {
            int n = reg.Publish(B("hot"), B("m"), shard: false);
            // The steady subscriber always receives; churners add 0 to 4 deliveries.
            Assert.InRange(n, 1, 5);
        }
        stop.Cancel();
        await Task.WhenAll(churn);
        Assert.Equal(1, reg.Publish(B("hot"), B("m"), shard: false));
        Assert.Equal(0, reg.PatternCount);
        Assert.Equal(1, reg.ChannelCount);
    }
}
