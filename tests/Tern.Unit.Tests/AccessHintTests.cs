using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>Keyspace.SetLruOrLfu: RESTORE's IDLETIME/FREQ hints as Redis's objectSetLRUOrLFU applies them.</summary>
public sealed class AccessHintTests
{
    private static byte[] Value() => PackedString.Create("k"u8, "hello"u8, 0, 0);

    [Fact]
    public void IdleTimeSetsTheLruClockBackByThatManySeconds()
    {
        var ks = new Keyspace(1);
        var o = Value();
        Assert.True(ks.SetLruOrLfu(o, -1, 100, 5000));
        Assert.Equal(4900u, ks.AccessClock(o));
    }

    [Fact]
    public void IdleTimeBeforeTheClockWrappedWrapsToo()
    {
        var ks = new Keyspace(1);
        var o = Value();
        Assert.True(ks.SetLruOrLfu(o, -1, 100, 10));
        // lru_abs = 10 - 100 < 0: Redis adds LRU_CLOCK_MAX (2^24 - 1).
        Assert.Equal(LruClock.Max - 90, ks.AccessClock(o));
    }

    [Fact]
    public void FreqOnlyUnderLfuAndIdleTimeOnlyWithout()
    {
        var ks = new Keyspace(1);
        var o = Value();
        uint before = ks.AccessClock(o);
        Assert.False(ks.SetLruOrLfu(o, 7, -1, 5000));
        Assert.Equal(before, ks.AccessClock(o));
        ks.Lfu = true;
        Assert.False(ks.SetLruOrLfu(o, -1, 100, 5000));
        Assert.True(ks.SetLruOrLfu(o, 200, -1, 5000));
        Assert.Equal(200u, ks.LfuCounter(ks.AccessClock(o)));
    }

    [Fact]
    public void ASharedIntegerGetsTheHintOnItsSharedClock()
    {
        var ks = new Keyspace(1);
        var a = PackedString.Create("a"u8, "42"u8, 0, 0);
        var b = PackedString.Create("b"u8, "42"u8, 0, 0);
        Assert.True(ks.SetLruOrLfu(a, -1, 30, 1000));
        Assert.Equal(970u, ks.AccessClock(b));
    }
}
