using System.Text;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>
/// The hash storage against a plain model: a list of (field, value, expiry) in the order Redis keeps a listpack
/// (insertion order; for a listpackex, by expiry with fields without one last). A listpack must match the order
/// exactly, a table the contents.
/// </summary>
public sealed class HashValueTests
{
    private sealed class Model
    {
        public readonly List<(string F, string V, long E)> Items = [];
        public bool Ex;

        public int IndexOf(string f) => Items.FindIndex(x => x.F == f);

        public bool Set(string f, string v, bool keepTtl)
        {
            int i = IndexOf(f);
            if (i < 0)
            {
                Items.Add((f, v, 0));
                return false;
            }
            var e = Items[i];
            if (e.E != 0 && !keepTtl)
            {
                Items.RemoveAt(i);
                Items.Add((f, v, 0));
            }
            else
            {
                Items[i] = (f, v, e.E);
            }
            return true;
        }

        public void Place(string f, string v, long e)
        {
            int at = Items.Count;
            if (e != 0)
            {
                int k = Items.FindIndex(x => x.E == 0 || x.E >= e);
                if (k >= 0) at = k;
            }
            Items.Insert(at, (f, v, e));
        }
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static List<(string, string, long)> Dump(HashValue h)
    {
        var list = new List<(string, string, long)>();
        foreach (var e in h) list.Add((Encoding.UTF8.GetString(e.Field), Encoding.UTF8.GetString(e.Value), e.Expire));
        return list;
    }

    private static void AssertSame(Model m, HashValue h)
    {
        Assert.Equal(m.Items.Count, h.Count);
        var got = Dump(h);
        if (h.IsListpack)
        {
            Assert.Equal(m.Items, got);
        }
        else
        {
            Assert.Equal(m.Items.OrderBy(x => x.F, StringComparer.Ordinal), got.OrderBy(x => x.Item1, StringComparer.Ordinal));
        }
        foreach (var (f, v, e) in m.Items)
        {
            Assert.True(h.TryGet(B(f), out var value));
            Assert.Equal(v, Encoding.UTF8.GetString(value));
            Assert.Equal(e, h.GetFieldExpire(B(f)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomOperationsMatchTheModel(int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 10; round++)
        {
            var h = new HashValue(B("key"));
            var m = new Model();
            long maxEntries = 4 + rng.Next(20), maxValue = 4 + rng.Next(30);
            long now = 1_000_000;
            for (int step = 0; step < 300; step++)
            {
                string f = "f" + rng.Next(30);
                string v = new('v', rng.Next(0, (int)maxValue + 3));
                switch (rng.Next(9))
                {
                    case 0:
                    case 1:
                    case 2:
                    {
                        bool keep = rng.Next(2) == 0;
                        Assert.Equal(m.Set(f, v, keep), h.Set(B(f), B(v), keep, maxEntries, maxValue));
                        break;
                    }
                    case 3:
                    {
                        int i = m.IndexOf(f);
                        if (i >= 0) m.Items.RemoveAt(i);
                        Assert.Equal(i >= 0, h.Delete(B(f)));
                        break;
                    }
                    case 4:
                    case 5:
                    {
                        h.EnableFieldExpiry();
                        m.Ex = true;
                        long when = now + rng.Next(-5, 200);
                        var cond = (HashValue.ExpireCondition)rng.Next(5);
                        bool already = when <= now;
                        int i = m.IndexOf(f);
                        int expected;
                        if (i < 0) expected = -2;
                        else
                        {
                            long prev = m.Items[i].E;
                            bool fails = prev == 0
                                ? cond is HashValue.ExpireCondition.Xx or HashValue.ExpireCondition.Gt
                                : (cond == HashValue.ExpireCondition.Gt && prev >= when) || (cond == HashValue.ExpireCondition.Lt && prev <= when) || cond == HashValue.ExpireCondition.Nx;
                            if (fails) expected = 0;
                            else if (already)
                            {
                                expected = 2;
                                m.Items.RemoveAt(i);
                            }
                            else
                            {
                                expected = 1;
                                var it = m.Items[i];
                                m.Items.RemoveAt(i);
                                if (h.IsListpack) m.Place(it.F, it.V, when);
                                else m.Items.Add((it.F, it.V, when));
                            }
                        }
                        Assert.Equal(expected, h.SetFieldExpire(B(f), when, cond, already));
                        break;
                    }
                    case 6:
                    {
                        int i = m.IndexOf(f);
                        int expected = i < 0 ? -2 : m.Items[i].E == 0 ? -1 : 1;
                        if (expected == 1)
                        {
                            var it = m.Items[i];
                            m.Items.RemoveAt(i);
                            m.Items.Add((it.F, it.V, 0));
                        }
                        Assert.Equal(expected, h.PersistField(B(f)));
                        break;
                    }
                    case 7:
                    {
                        now += rng.Next(0, 30);
                        var removed = new List<byte[]>();
                        int n = h.PurgeExpired(now, removed);
                        var gone = m.Items.Where(x => x.E != 0 && x.E <= now).Select(x => x.F).OrderBy(x => x, StringComparer.Ordinal).ToList();
                        m.Items.RemoveAll(x => x.E != 0 && x.E <= now);
                        Assert.Equal(gone.Count, n);
                        Assert.Equal(gone, removed.Select(Encoding.UTF8.GetString).OrderBy(x => x, StringComparer.Ordinal));
                        Assert.True(h.MinFieldExpire > now);
                        break;
                    }
                    default:
                        Assert.Equal(m.IndexOf(f) >= 0, h.Contains(B(f)));
                        break;
                }
                if (h.IsListpack)
                {
                    Assert.True(h.Count <= maxEntries);
                    Assert.Equal(m.Ex ? "listpackex" : "listpack", Encoding.ASCII.GetString(h.Encoding));
                }
                else
                {
                    Assert.Equal("hashtable", Encoding.ASCII.GetString(h.Encoding));
                }
                AssertSame(m, h);
            }
        }
    }

    [Fact]
    public void ConversionIsOneWayAndKeepsEverything()
    {
        var h = new HashValue(B("k"));
        for (int i = 0; i < 10; i++) h.Set(B($"f{i}"), B($"v{i}"), false, 128, 64);
        h.EnableFieldExpiry();
        Assert.Equal(1, h.SetFieldExpire(B("f3"), 5000, HashValue.ExpireCondition.None, false));
        Assert.Equal("listpackex", Encoding.ASCII.GetString(h.Encoding));
        h.Set(B("long"), new byte[65], false, 128, 64);
        Assert.False(h.IsListpack);
        Assert.Equal(11, h.Count);
        Assert.Equal(5000, h.GetFieldExpire(B("f3")));
        Assert.Equal(0, h.GetFieldExpire(B("f4")));
        for (int i = 0; i <= 10; i++) h.Delete(B(i == 10 ? "long" : $"f{i}"));
        Assert.Equal(0, h.Count);
        h.Set(B("a"), B("b"), false, 128, 64);
        Assert.Equal("hashtable", Encoding.ASCII.GetString(h.Encoding));
    }

    [Fact]
    public void CloneIsIndependent()
    {
        foreach (int n in new[] { 3, 300 })
        {
            var h = new HashValue(B("k"));
            for (int i = 0; i < n; i++) h.Set(B($"f{i}"), B($"v{i}"), false, 128, 64);
            var c = (HashValue)h.CloneWithKey(B("copy"));
            Assert.Equal("copy", Encoding.UTF8.GetString(c.Key));
            Assert.Equal(h.Encoding.ToArray(), c.Encoding.ToArray());
            // Same-length values are overwritten in place: the copy must not see it.
            h.Set(B("f1"), B("XX"), false, 128, 64);
            h.Delete(B("f2"));
            Assert.True(c.TryGet(B("f1"), out var v));
            Assert.Equal("v1", Encoding.UTF8.GetString(v));
            Assert.True(c.Contains(B("f2")));
            Assert.Equal(n, c.Count);
            Assert.Equal(n - 1, h.Count);
        }
    }

    [Fact]
    public void TableScanReturnsEveryFieldOnce()
    {
        var h = new HashValue(B("k"));
        for (int i = 0; i < 1000; i++) h.Set(B($"f{i}"), B("v"), false, 0, 64);
        for (int i = 0; i < 1000; i += 3) h.Delete(B($"f{i}"));
        var seen = new List<string>();
        var positions = new List<int>();
        ulong cursor = 0;
        int calls = 0;
        do
        {
            positions.Clear();
            cursor = h.Scan(cursor, 7, positions);
            foreach (int p in positions)
            {
                h.ReadAt(p, out var f, out _);
                seen.Add(Encoding.UTF8.GetString(f));
            }
            calls++;
        }
        while (cursor != 0);
        Assert.True(calls > 10);
        Assert.Equal(h.Count, seen.Count);
        Assert.Equal(h.Count, seen.Distinct().Count());
    }

    [Fact]
    public void TableGivesMemoryBackAndKeepsScanning()
    {
        var h = new HashValue(B("k"));
        for (int i = 0; i < 4096; i++) h.Set(B($"f{i}"), B("v"), false, 0, 64);
        long full = h.MemoryUsage;
        // Start a scan, then delete everything past the first 100 fields: the scan goes on and ends.
        var positions = new List<int>();
        ulong cursor = h.Scan(0, 50, positions);
        var seen = new HashSet<string>();
        foreach (int p in positions)
        {
            h.ReadAt(p, out var f, out _);
            seen.Add(Encoding.UTF8.GetString(f));
        }
        for (int i = 100; i < 4096; i++) Assert.True(h.Delete(B($"f{i}")));
        Assert.True(h.MemoryUsage < full / 10, $"{h.MemoryUsage} of {full}");
        while (cursor != 0)
        {
            positions.Clear();
            cursor = h.Scan(cursor, 50, positions);
            foreach (int p in positions)
            {
                h.ReadAt(p, out var f, out _);
                seen.Add(Encoding.UTF8.GetString(f));
            }
        }
        for (int i = 0; i < 100; i++) Assert.Contains($"f{i}", seen);
        for (int i = 0; i < 100; i++) Assert.True(h.Contains(B($"f{i}")));
        for (int i = 100; i < 200; i++) h.Set(B($"f{i}"), B("w"), false, 0, 64);
        Assert.Equal(200, h.Count);
        Assert.True(h.TryGet(B("f150"), out var v));
        Assert.Equal("w", Encoding.UTF8.GetString(v));
    }

    [Fact]
    public void RandomPositionsCoverAllFields()
    {
        foreach (long maxEntries in new long[] { 128, 0 })
        {
            var h = new HashValue(B("k"));
            for (int i = 0; i < 20; i++) h.Set(B($"f{i}"), B($"v{i}"), false, maxEntries, 64);
            var rng = new Random(7);
            var seen = new HashSet<string>();
            for (int i = 0; i < 2000; i++)
            {
                h.ReadAt(h.RandomPosition(rng), out var f, out var v);
                string fs = Encoding.UTF8.GetString(f);
                Assert.Equal("v" + fs[1..], Encoding.UTF8.GetString(v));
                seen.Add(fs);
            }
            Assert.Equal(20, seen.Count);
            Assert.Equal(20, h.Positions().Length);
        }
    }

    [Fact]
    public void LargeValuesGrowAndShrinkTheListpack()
    {
        var h = new HashValue(B("k"));
        var big = new byte[100_000];
        big.AsSpan().Fill((byte)'x');
        h.Set(B("a"), big, false, 128, long.MaxValue);
        h.Set(B("b"), B("small"), false, 128, long.MaxValue);
        Assert.True(h.IsListpack);
        Assert.True(h.MemoryUsage > 100_000);
        h.Set(B("a"), B("tiny"), false, 128, long.MaxValue);
        Assert.True(h.MemoryUsage < 1_000);
        Assert.True(h.TryGet(B("b"), out var v));
        Assert.Equal("small", Encoding.UTF8.GetString(v));
    }
}
