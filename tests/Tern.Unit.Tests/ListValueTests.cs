using System.Text;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>
/// ListValue against a plain List&lt;byte[]&gt; model: random pushes, pops, edits in the middle and trims, with
/// several node limits, checking every element and the segment invariants after each step.
/// </summary>
public sealed class ListValueTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static void AssertSame(List<byte[]> model, ListValue l, long fill)
    {
        Assert.Equal(model.Count, l.Count);
        Assert.True(l.Validate(fill, out var problem), problem);
        var c = l.ForwardFrom(0);
        int i = 0;
        while (l.Next(ref c, out var v)) Assert.True(v.SequenceEqual(model[i++]), $"forward element {i - 1}");
        Assert.Equal(model.Count, i);
        c = l.BackwardFrom(l.Count - 1);
        i = model.Count;
        while (l.Prev(ref c, out var v)) Assert.True(v.SequenceEqual(model[--i]), $"backward element {i}");
        Assert.Equal(0, i);
    }

    private static byte[] RandomElement(Random r)
    {
        int kind = r.Next(10);
        int len = kind < 6 ? r.Next(0, 8) : kind < 9 ? r.Next(8, 300) : r.Next(300, 20000);
        var b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte)('a' + r.Next(3));
        return b;
    }

    [Theory]
    [InlineData(-2, 1)]
    [InlineData(-1, 2)]
    [InlineData(-5, 3)]
    [InlineData(4, 4)]
    [InlineData(1, 5)]
    [InlineData(0, 6)]
    [InlineData(128, 7)]
    public void RandomOperationsMatchModel(long fill, int seed)
    {
        var r = new Random(seed);
        var model = new List<byte[]>();
        var l = new ListValue(B("k"));
        for (int step = 0; step < 3000; step++)
        {
            int op = r.Next(100);
            if (op < 25)
            {
                var e = RandomElement(r);
                l.PushTail(e, fill);
                model.Add(e);
            }
            else if (op < 50)
            {
                var e = RandomElement(r);
                l.PushHead(e, fill);
                model.Insert(0, e);
            }
            else if (op < 60 && model.Count > 0)
            {
                int n = r.Next(1, Math.Min(model.Count, 40) + 1);
                l.RemoveHead(n);
                model.RemoveRange(0, n);
            }
            else if (op < 70 && model.Count > 0)
            {
                int n = r.Next(1, Math.Min(model.Count, 40) + 1);
                l.RemoveTail(n);
                model.RemoveRange(model.Count - n, n);
            }
            else if (op < 78 && model.Count > 0)
            {
                int i = r.Next(model.Count);
                var e = RandomElement(r);
                l.Set(i, e, fill);
                model[i] = e;
            }
            else if (op < 86 && model.Count > 0)
            {
                var pivot = model[r.Next(model.Count)];
                int at = model.FindIndex(x => x.AsSpan().SequenceEqual(pivot));
                bool after = r.Next(2) == 0;
                var e = RandomElement(r);
                Assert.True(l.InsertAtPivot(pivot, e, after, fill));
                model.Insert(after ? at + 1 : at, e);
            }
            else if (op < 92 && model.Count > 0)
            {
                var v = model[r.Next(model.Count)];
                long limit = r.Next(0, 4);
                bool fromTail = r.Next(2) == 0;
                long removed = l.RemoveMatches(v, limit, fromTail, fill);
                long expect = 0;
                if (!fromTail)
                {
                    for (int i = 0; i < model.Count && (limit == 0 || expect < limit);)
                    {
                        if (model[i].AsSpan().SequenceEqual(v))
                        {
                            model.RemoveAt(i);
                            expect++;
                        }
                        else i++;
                    }
                }
                else
                {
                    for (int i = model.Count - 1; i >= 0 && (limit == 0 || expect < limit); i--)
                    {
                        if (model[i].AsSpan().SequenceEqual(v))
                        {
                            model.RemoveAt(i);
                            expect++;
                        }
                    }
                }
                Assert.Equal(expect, removed);
            }
            else if (op < 96 && model.Count > 0)
            {
                int i = r.Next(model.Count);
                Assert.True(l.Get(i).SequenceEqual(model[i]));
                Assert.True(l.First().SequenceEqual(model[0]));
                Assert.True(l.Last().SequenceEqual(model[^1]));
            }
            else if (model.Count > 0)
            {
                var clone = (ListValue)l.CloneWithKey(B("c"));
                AssertSame(model, clone, fill);
            }
            if (step % 50 == 0 || model.Count < 5) AssertSame(model, l, fill);
        }
        AssertSame(model, l, fill);
    }

    [Fact]
    public void BigListIsChunkedAndPopsFromBothEnds()
    {
        var l = new ListValue(B("k"));
        for (int i = 0; i < 100_000; i++) l.PushTail(B(i.ToString()), -2);
        Assert.True(l.IsChunked);
        Assert.True(l.SegmentCount > 10);
        Assert.True(l.Validate(-2, out var problem), problem);
        Assert.Equal("0", Encoding.ASCII.GetString(l.First()));
        Assert.Equal("99999", Encoding.ASCII.GetString(l.Last()));
        Assert.Equal("50000", Encoding.ASCII.GetString(l.Get(50000)));
        l.RemoveHead(99_998);
        Assert.Equal(2, l.Count);
        Assert.False(l.IsChunked);
        Assert.Equal("99998", Encoding.ASCII.GetString(l.First()));
        // Memory per element stays small: about the bytes of the element plus two bytes of framing.
        var m = new ListValue(B("m"));
        for (int i = 0; i < 100_000; i++) m.PushHead(B("xyz"), -2);
        Assert.True(m.MemoryUsage < 100_000 * 8, $"memory {m.MemoryUsage}");
        Assert.Equal("quicklist", Encoding.ASCII.GetString(m.Encoding));
    }

    [Fact]
    public void LongElementsUseMultiByteLengths()
    {
        var l = new ListValue(B("k"));
        foreach (int len in new[] { 0, 127, 128, 16383, 16384, 2_097_152 })
        {
            var e = new byte[len];
            e.AsSpan().Fill((byte)'z');
            l.PushHead(e, -2);
            l.PushTail(e, -2);
            Assert.Equal(len, l.First().Length);
            Assert.Equal(len, l.Last().Length);
        }
        Assert.True(l.Validate(-2, out var problem), problem);
    }
}
