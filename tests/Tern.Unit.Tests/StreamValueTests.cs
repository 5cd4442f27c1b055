using System.Text;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>StreamValue against a plain sorted model: appends, deletes, trims, ranges and the packed entries.</summary>
public sealed class StreamValueTests
{
    private static byte[][] Fv(params string[] items)
    {
        var r = new byte[items.Length][];
        for (int i = 0; i < items.Length; i++) r[i] = Encoding.ASCII.GetBytes(items[i]);
        return r;
    }

    private static List<string> Items(StreamEntry e)
    {
        var l = new List<string>();
        var r = e.GetReader();
        while (r.Next(out var x)) l.Add(Encoding.ASCII.GetString(x));
        return l;
    }

    [Fact]
    public void IdsOrderIncrementAndFormat()
    {
        Assert.True(new StreamId(1, 5) < new StreamId(2, 0));
        Assert.True(new StreamId(ulong.MaxValue, 0) > new StreamId(1, ulong.MaxValue));
        Assert.True(new StreamId(1, ulong.MaxValue).TryIncrement(out var n) && n == new StreamId(2, 0));
        Assert.False(StreamId.Max.TryIncrement(out _));
        Assert.False(StreamId.Min.TryDecrement(out _));
        Assert.True(new StreamId(2, 0).TryDecrement(out var p) && p == new StreamId(1, ulong.MaxValue));
        Assert.Equal("18446744073709551615-18446744073709551615", Encoding.ASCII.GetString(StreamId.Max.ToBytes()));
    }

    [Fact]
    public void PackedEntriesReadBackWithAndWithoutMasterFields()
    {
        var s = new StreamValue([1]);
        s.Append(new StreamId(1, 0), Fv("a", "1", "b", new string('x', 300)), 4096, 100);
        s.Append(new StreamId(2, 0), Fv("a", "2", "b", ""), 4096, 100);
        s.Append(new StreamId(3, 0), Fv("c", "3"), 4096, 100);
        var all = s.Range(StreamId.Min, StreamId.Max, false).ToList();
        Assert.Equal(["a", "1", "b", new string('x', 300)], Items(all[0]));
        Assert.True(all[1].SameFields);
        Assert.Equal(["a", "2", "b", ""], Items(all[1]));
        Assert.False(all[2].SameFields);
        Assert.Equal(["c", "3"], Items(all[2]));
    }

    [Fact]
    public void RandomOperationsMatchASortedModel()
    {
        var rnd = new Random(7);
        var s = new StreamValue([1]);
        var model = new SortedDictionary<StreamId, int>();
        ulong ms = 0;
        for (int step = 0; step < 5000; step++)
        {
            int op = rnd.Next(10);
            if (op < 6)
            {
                ms += (ulong)rnd.Next(0, 3);
                var id = new StreamId(ms, (ulong)step);
                s.Append(id, Fv("f", step.ToString()), rnd.Next(2) == 0 ? 4096 : 200, rnd.Next(1, 20));
                model[id] = step;
            }
            else if (op < 8 && model.Count > 0)
            {
                var victim = model.Keys.ElementAt(rnd.Next(model.Count));
                Assert.True(s.Delete(victim));
                Assert.False(s.Delete(victim));
                model.Remove(victim);
            }
            else if (op == 8)
            {
                long maxLen = rnd.Next(0, 200);
                s.Trim(true, maxLen, default, false, 0);
                while (model.Count > maxLen) model.Remove(model.Keys.First());
            }
            else if (model.Count > 0)
            {
                var a = model.Keys.ElementAt(rnd.Next(model.Count));
                var b = model.Keys.ElementAt(rnd.Next(model.Count));
                if (a > b) (a, b) = (b, a);
                var expect = model.Keys.Where(k => k >= a && k <= b).ToList();
                Assert.Equal(expect, s.Range(a, b, false).Select(e => e.Id).ToList());
                expect.Reverse();
                Assert.Equal(expect, s.Range(a, b, true).Select(e => e.Id).ToList());
            }
            Assert.Equal(model.Count, s.Length);
            foreach (var n in s.Nodes) Assert.True(n.Live > 0);
        }
        Assert.Equal(model.Keys.ToList(), s.Range(StreamId.Min, StreamId.Max, false).Select(e => e.Id).ToList());
    }

    [Fact]
    public void ApproximateTrimRemovesWholeNodesOnly()
    {
        var s = new StreamValue([1]);
        for (int i = 1; i <= 35; i++) s.Append(new StreamId((ulong)i, 0), Fv("f", "v"), 4096, 10);
        Assert.Equal(4, s.Nodes.Count);
        Assert.Equal(20, s.Trim(true, 12, default, true, 0));
        Assert.Equal(15, s.Length);
        Assert.Equal(new StreamId(21, 0), s.FirstId);
        Assert.Equal(3, s.Trim(true, 12, default, false, 0));
        Assert.Equal(new StreamId(24, 0), s.FirstId);
        Assert.Equal(2, s.Trim(false, 0, new StreamId(26, 0), false, 0));
        Assert.Equal(new StreamId(26, 0), s.EdgeId(true));
    }

    [Fact]
    public void PelKeepsIdOrder()
    {
        var pel = new StreamPel();
        foreach (var ms in new ulong[] { 5, 1, 3, 9, 7 }) Assert.True(pel.TryAdd(new StreamNack(new StreamId(ms, 0), null, 0)));
        Assert.False(pel.TryAdd(new StreamNack(new StreamId(3, 0), null, 0)));
        Assert.Equal([1UL, 3, 5, 7, 9], pel.Items.Select(n => n.Id.Ms).ToList());
        Assert.Equal(2, pel.LowerBound(new StreamId(4, 0)));
        Assert.True(pel.Remove(new StreamId(5, 0)));
        Assert.Null(pel.Get(new StreamId(5, 0)));
    }
}
