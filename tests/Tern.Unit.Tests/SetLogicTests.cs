using System.Text;
using Tern.Server.Families;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>The set's storage (intset and member table) and SORT's weight parsing.</summary>
public sealed class SetLogicTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    public void MemberTableAgreesWithAModelUnderRandomOperations()
    {
        var rng = new Random(42);
        var table = new MemberTable();
        var model = new HashSet<string>();
        for (int step = 0; step < 20000; step++)
        {
            var m = "m" + rng.Next(600);
            switch (rng.Next(3))
            {
                case 0:
                case 1:
                    Assert.Equal(model.Add(m), table.Add(B(m)));
                    break;
                default:
                    Assert.Equal(model.Remove(m), table.Remove(B(m)));
                    break;
            }
            if (step % 500 == 0)
            {
                // Dense indexes hold exactly the members; every member is found at its index.
                Assert.Equal(model.Count, table.Count);
                var seen = new HashSet<string>();
                for (int i = 0; i < table.Count; i++)
                {
                    var member = Encoding.Latin1.GetString(table.At(i));
                    Assert.True(seen.Add(member));
                    Assert.Equal(i, table.IndexOf(table.At(i)));
                }
                Assert.True(seen.SetEquals(model));
            }
        }
        // Shrinking: removing almost everything gives the buckets back (under 10% full).
        foreach (var m in model.ToList().Skip(3)) table.Remove(B(m));
        Assert.Equal(3, table.Count);
        Assert.True(table.BucketCount <= 8, $"bucket count {table.BucketCount}");
    }

    [Fact]
    public void ScanReturnsEveryLongLivedMemberAcrossResizes()
    {
        var rng = new Random(3);
        for (int round = 0; round < 10; round++)
        {
            var table = new MemberTable();
            var stable = new List<string>();
            // Few long-lived members: adding hundreds grows the buckets, removing them shrinks them again.
            for (int i = 0; i < 20; i++)
            {
                stable.Add("s" + i);
                table.Add(B("s" + i));
            }
            var seen = new HashSet<string>();
            var found = new List<byte[]>();
            ulong cursor = 0;
            int calls = 0, extra = 0;
            var live = new List<string>();
            do
            {
                found.Clear();
                cursor = table.Scan(cursor, found);
                foreach (var f in found) seen.Add(Encoding.Latin1.GetString(f));
                // Grow or shrink the table between calls with members that come and go.
                if (rng.Next(2) == 0)
                {
                    for (int k = rng.Next(0, 300); k > 0; k--)
                    {
                        var x = "x" + extra++;
                        live.Add(x);
                        table.Add(B(x));
                    }
                }
                else
                {
                    foreach (var x in live) table.Remove(B(x));
                    live.Clear();
                }
                Assert.True(++calls < 100000);
            } while (cursor != 0);
            foreach (var s in stable) Assert.Contains(s, seen);
        }
    }

    [Fact]
    public void IntsetStaysSortedAndConvertsOneWay()
    {
        var set = new SetValue(B("k"));
        Assert.True(set.IsIntset);
        foreach (var v in new[] { "5", "-3", "100", "5", "0" }) set.Add(B(v), 512);
        Assert.Equal(4, set.Count);
        Assert.Equal([-3L, 0, 5, 100], Enumerable.Range(0, set.Count).Select(set.IntAt));
        // Non-canonical integers are strings.
        foreach (var v in new[] { "01", "-0", "+1", " 1", "1 " })
        {
            var s = new SetValue(B("k"));
            s.Add(B(v), 512);
            Assert.False(s.IsIntset, v);
        }
        set.Add(B("x"), 512);
        Assert.False(set.IsIntset);
        set.Remove(B("x"));
        Assert.False(set.IsIntset);
        Assert.True(set.Contains(B("100")));
        Assert.True(set.ContainsInteger(-3));
        // The limit counts entries after the add: N stays, N+1 converts.
        var lim = new SetValue(B("k"));
        for (int i = 0; i < 3; i++) lim.Add(B(i.ToString()), 3);
        Assert.True(lim.IsIntset);
        lim.Add(B("3"), 3);
        Assert.False(lim.IsIntset);
    }

    [Fact]
    public void IntsetBlobWidthOnlyGrows()
    {
        var set = new SetValue(B("k"));
        set.Add(B("1"), 512);
        Assert.Equal(10, set.IntsetBlobLength);
        set.Add(B("40000"), 512);
        Assert.Equal(8 + 2 * 4, set.IntsetBlobLength);
        set.Add(B("5000000000"), 512);
        Assert.Equal(8 + 3 * 8, set.IntsetBlobLength);
        set.Remove(B("5000000000"));
        set.Remove(B("40000"));
        Assert.Equal(8 + 8, set.IntsetBlobLength);
        var blob = set.IntsetBlob();
        Assert.Equal(8, BitConverter.ToInt32(blob, 0));
        Assert.Equal(1, BitConverter.ToInt32(blob, 4));
        Assert.Equal(1L, BitConverter.ToInt64(blob, 8));
    }

    [Fact]
    public void CloneIsDeep()
    {
        var a = new SetValue(B("a"));
        a.Add(B("x"), 512);
        a.Add(B("1"), 512);
        var b = (SetValue)a.CloneWithKey(B("b"));
        b.Add(B("y"), 512);
        a.Remove(B("x"));
        Assert.Equal(1, a.Count);
        Assert.Equal(3, b.Count);
        Assert.True(b.Contains(B("x")));
    }

    [Theory]
    [InlineData("5", true, 5.0)]
    [InlineData(" \t5", true, 5.0)]
    [InlineData("5 ", false, 0)]
    [InlineData("", true, 0.0)]
    [InlineData(" ", false, 0)]
    [InlineData("-", false, 0)]
    [InlineData(".5", true, 0.5)]
    [InlineData("5.", true, 5.0)]
    [InlineData("1e3", true, 1000.0)]
    [InlineData("1e", false, 0)]
    [InlineData("0x10", true, 16.0)]
    [InlineData("0x1.8p1", true, 3.0)]
    [InlineData("0x", false, 0)]
    [InlineData("inf", true, double.PositiveInfinity)]
    [InlineData("-Infinity", true, double.NegativeInfinity)]
    [InlineData("infinit", false, 0)]
    [InlineData("nan", false, 0)]
    [InlineData("1e400", false, 0)]
    [InlineData("1e-310", false, 0)]
    [InlineData("0e-400", true, 0.0)]
    [InlineData("0x1p-1074", true, 4.9406564584124654E-324)]
    [InlineData("5\0junk", true, 5.0)]
    public void SortWeightsParseLikeStrtod(string text, bool ok, double value)
    {
        Assert.Equal(ok, SortFamily.ParseScore(B(text), out double v));
        if (ok) Assert.Equal(value, v);
    }
}
