using Tern.Protocol;
using System.Globalization;
using System.Text;
using Tern.Server;
using Tern.Server.Families;
using Tern.Server.Storage;

namespace Tern.Unit.Tests;

/// <summary>Pure logic behind sorted sets and geo: C number conversions, the two encodings, geohash arithmetic.</summary>
public sealed class ZSetLogicTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Theory]
    [InlineData("1", true, 1.0)]
    [InlineData("-2.5", true, -2.5)]
    [InlineData("+5", true, 5.0)]
    [InlineData(".5", true, 0.5)]
    [InlineData("5.", true, 5.0)]
    [InlineData("1e3", true, 1000.0)]
    [InlineData("1E-3", true, 0.001)]
    [InlineData("0x10", true, 16.0)]
    [InlineData("0X1p-2", true, 0.25)]
    [InlineData("0x1.8", true, 1.5)]
    [InlineData("-0x.8p1", true, -1.0)]
    [InlineData("inf", true, double.PositiveInfinity)]
    [InlineData("-Infinity", true, double.NegativeInfinity)]
    [InlineData("1e400", false, 0)]
    [InlineData("1e-400", false, 0)]
    [InlineData("0e-400", true, 0.0)]
    [InlineData("nan", false, 0)]
    [InlineData("", false, 0)]
    [InlineData(" 1", false, 0)]
    [InlineData("1 ", false, 0)]
    [InlineData("1\0", false, 0)]
    [InlineData("0x", false, 0)]
    [InlineData("e5", false, 0)]
    [InlineData("1e", false, 0)]
    [InlineData("infinit", false, 0)]
    [InlineData("-", false, 0)]
    public void String2dIsStrictStrtod(string text, bool ok, double value)
    {
        Assert.Equal(ok, CNum.TryParseDouble(B(text), out double v));
        if (ok) Assert.Equal(value, v);
    }

    [Theory]
    [InlineData("", 0, 0.0)]
    [InlineData("  7x", 3, 7.0)]
    [InlineData("0x", 1, 0.0)]
    [InlineData("1e", 1, 1.0)]
    [InlineData("1e+", 1, 1.0)]
    [InlineData("nan(abc)z", 8, double.NaN)]
    [InlineData("nan(abc", 3, double.NaN)]
    [InlineData("infinityx", 8, double.PositiveInfinity)]
    [InlineData("5\0junk", 1, 5.0)]
    [InlineData("   ", 0, 0.0)]
    public void StrtodStopsWhereC(string text, int used, double value)
    {
        double v = CNum.Strtod(B(text), out int n, out _);
        Assert.Equal(used, n);
        Assert.Equal(value, v);
    }

    [Fact]
    public void StrtodReportsRangeErrors()
    {
        CNum.Strtod(B("1e400"), out _, out bool over);
        Assert.True(over);
        CNum.Strtod(B("1e-400"), out _, out bool under);
        Assert.True(under);
        CNum.Strtod(B("0x1p-1080"), out _, out bool hexUnder);
        Assert.True(hexUnder);
        Assert.Equal(double.Epsilon, CNum.Strtod(B("0x1p-1074"), out _, out _));
        Assert.True(CNum.TryParseDouble(B("1e-310"), out double denorm));
        Assert.Equal(1e-310, denorm);
    }

    [Theory]
    [InlineData(13.361389338970184, "13.36138933897018433")]
    [InlineData(38.1155563954963, "38.11555639549629859")]
    [InlineData(-0.0001, "-0.0001")]
    [InlineData(180.0, "180")]
    [InlineData(-85.05112877980659, "-85.05112877980658936")]
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(1e-20, "0")]
    [InlineData(-1e-20, "0")]
    [InlineData(5e-18, "0.00000000000000001")]
    [InlineData(1.5e-17, "0.00000000000000002")]
    public void HumanLongDoubleIsPercent17LfTrimmed(double d, string expected)
    {
        Span<byte> buf = stackalloc byte[64];
        Assert.Equal(expected, Encoding.ASCII.GetString(buf[..CNum.HumanLongDouble(d, buf)]));
    }

    [Theory]
    [InlineData(200.0, "200.000000")]
    [InlineData(-0.0, "-0.000000")]
    [InlineData(2.5, "2.500000")]
    [InlineData(0.0000005, "0.000000")]
    [InlineData(0.0000015, "0.000002")]
    [InlineData(-123.4567895, "-123.456789")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void FormatFIsPrintfF(double d, string expected) => Assert.Equal(expected, CNum.FormatF(d));

    [Fact]
    public void FormatFPrintsEveryDigitOfLargeValues()
    {
        Assert.StartsWith("1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000", CNum.FormatF(1e300));
    }

    [Theory]
    [InlineData(0.0, "0.0000")]
    [InlineData(166274.1516, "166274.1516")]
    [InlineData(0.00004, "0.0000")]
    [InlineData(0.00005, "0.0000")]
    [InlineData(0.00015, "0.0001")]
    [InlineData(0.00025, "0.0002")]
    [InlineData(0.00035, "0.0004")]
    [InlineData(1.23456789, "1.2346")]
    [InlineData(-2.5, "-2.5000")]
    public void FixedPoint4IsLlrintOfTenThousandths(double d, string expected)
    {
        Span<byte> buf = stackalloc byte[64];
        Assert.Equal(expected, Encoding.ASCII.GetString(buf[..CNum.FixedPoint4(d, buf)]));
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(-0.0, "-0")]
    [InlineData(1.5, "1.5")]
    [InlineData(4e18, "4000000000000000000")]
    [InlineData(1e20, "1e+20")]
    [InlineData(0.1, "0.10000000000000001")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void D2StringIsRedisListpackText(double d, string expected)
    {
        Span<byte> buf = stackalloc byte[64];
        Assert.Equal(expected, Encoding.ASCII.GetString(buf[..CNum.D2String(d, buf)]));
    }

    [Theory]
    [InlineData(3.5, 3UL)]
    [InlineData(-5.0, 0xFFFFFFFFFFFFFFFBUL)]
    [InlineData(1e30, 0UL)]
    [InlineData(double.PositiveInfinity, 0UL)]
    [InlineData(double.NegativeInfinity, 0x8000000000000000UL)]
    [InlineData(9223372036854775808.0, 0x8000000000000000UL)]
    [InlineData(-1e30, 0x8000000000000000UL)]
    public void DoubleToUInt64CastsAsX86(double d, ulong expected) => Assert.Equal(expected, CNum.ToUInt64(d));

    [Fact]
    public void GeohashMatchesRedisScores()
    {
        Assert.Equal(3479099956230698UL, GeoFamily.EncodeScore(13.361389, 38.115556));
        Assert.Equal(3479447370796909UL, GeoFamily.EncodeScore(15.087269, 37.502669));
        Assert.True(GeoHash.DecodeScore(3479099956230698, out double lon, out double lat));
        Assert.Equal(13.361389338970184, lon);
        Assert.Equal(38.115556395496299, lat);
        var rnd = new Random(3);
        for (int i = 0; i < 1000; i++)
        {
            uint x = (uint)rnd.Next(), y = (uint)rnd.Next();
            ulong il = GeoHash.Interleave64(x, y);
            Assert.Equal(((ulong)y << 32) | x, GeoHash.Deinterleave64(il));
        }
        // Palermo to Catania, as GEODIST answers.
        double dist = GeoHash.Distance(13.361389338970184, 38.115556395496299, 15.087267458438873, 37.50266842333162);
        Span<byte> buf = stackalloc byte[32];
        Assert.Equal("166274.1516", Encoding.ASCII.GetString(buf[..CNum.FixedPoint4(dist, buf)]));
    }

    /// <summary>A reference model: (member, score) pairs kept sorted by score then bytes.</summary>
    private sealed class Model
    {
        public readonly List<(byte[] M, double S)> Items = [];

        private static int Cmp((byte[] M, double S) a, (byte[] M, double S) b) =>
            a.S != b.S ? a.S.CompareTo(b.S) : a.M.AsSpan().SequenceCompareTo(b.M);

        public int Find(byte[] m) => Items.FindIndex(x => x.M.AsSpan().SequenceEqual(m));

        public void Set(byte[] m, double s)
        {
            int i = Find(m);
            if (i >= 0) Items.RemoveAt(i);
            Items.Add((m, s));
            Items.Sort(Cmp);
        }
    }

    private static void AssertSame(Model model, ZSetValue z)
    {
        Assert.Equal(model.Items.Count, z.Count);
        int i = 0;
        for (var p = z.First(); p.Valid; z.Next(ref p), i++)
        {
            Assert.Equal(model.Items[i].M, z.MemberAt(p).ToArray());
            Assert.Equal(model.Items[i].S, z.ScoreAt(p));
        }
        Assert.Equal(model.Items.Count, i);
        i = model.Items.Count - 1;
        for (var p = z.Last(); p.Valid; z.Prev(ref p), i--) Assert.Equal(model.Items[i].M, z.MemberAt(p).ToArray());
        Assert.Equal(-1, i);
        for (int r = 0; r < model.Items.Count; r++)
        {
            Assert.Equal(r, z.Rank(model.Items[r].M, false));
            Assert.Equal(model.Items.Count - 1 - r, z.Rank(model.Items[r].M, true));
            Assert.Equal(model.Items[r].M, z.MemberAt(z.AtRank(r)).ToArray());
            Assert.Equal(model.Items[model.Items.Count - 1 - r].M, z.MemberAt(z.AtRevRank(r)).ToArray());
            Assert.True(z.TryGetScore(model.Items[r].M, out double s));
            Assert.Equal(model.Items[r].S, s);
        }
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    public void BothEncodingsBehaveAsASortedModel(bool startCompact, int seed)
    {
        var rnd = new Random(seed);
        var z = startCompact ? ZSetValue.CreateCompact(B("k")) : ZSetValue.CreateFull(B("k"));
        var model = new Model();
        long maxEntries = startCompact ? 64 : 0, maxValue = 8;
        for (int step = 0; step < 1500; step++)
        {
            var m = B("m" + rnd.Next(80) + (rnd.Next(20) == 0 ? "-long-member" : ""));
            double score = rnd.Next(6) switch
            {
                0 => double.PositiveInfinity,
                1 => double.NegativeInfinity,
                _ => rnd.Next(-20, 20) / 2.0,
            };
            switch (rnd.Next(10))
            {
                case < 5:
                {
                    var r = z.Add(score, m, ZAddFlags.None, maxEntries, maxValue, out _);
                    bool existed = model.Find(m) >= 0;
                    Assert.Equal(existed ? ZAddResult.None : ZAddResult.Added, r & ZAddResult.Added);
                    model.Set(m, score == 0 ? 0.0 : score);
                    break;
                }
                case 5:
                {
                    bool existed = model.Find(m) >= 0;
                    Assert.Equal(existed, z.Remove(m));
                    if (existed) model.Items.RemoveAt(model.Find(m));
                    break;
                }
                case 6:
                {
                    var range = new ScoreRange { Min = rnd.Next(-10, 10), Max = rnd.Next(-10, 10), MinEx = rnd.Next(2) == 0, MaxEx = rnd.Next(2) == 0 };
                    long removed = z.DeleteRangeByScore(range);
                    int before = model.Items.Count;
                    model.Items.RemoveAll(x => range.GteMin(x.S) && range.LteMax(x.S));
                    Assert.Equal(before - model.Items.Count, removed);
                    break;
                }
                case 7 when model.Items.Count > 0:
                {
                    int a = rnd.Next(model.Items.Count), b = rnd.Next(a, model.Items.Count);
                    Assert.Equal(b - a + 1, z.DeleteRangeByRank(a, b));
                    model.Items.RemoveRange(a, b - a + 1);
                    break;
                }
                case 8:
                {
                    var range = new ScoreRange { Min = rnd.Next(-10, 10), Max = rnd.Next(-10, 10), MinEx = rnd.Next(2) == 0 };
                    var first = z.FirstInRange(range);
                    int expected = model.Items.FindIndex(x => range.GteMin(x.S) && range.LteMax(x.S));
                    if (expected < 0) Assert.False(first.Valid);
                    else Assert.Equal(model.Items[expected].M, z.MemberAt(first).ToArray());
                    var last = z.LastInRange(range);
                    int expectedLast = model.Items.FindLastIndex(x => range.GteMin(x.S) && range.LteMax(x.S));
                    if (expectedLast < 0) Assert.False(last.Valid);
                    else
                    {
                        Assert.Equal(model.Items[expectedLast].M, z.MemberAt(last).ToArray());
                        Assert.Equal(expectedLast + 1, z.RankOf(last));
                    }
                    break;
                }
                default:
                {
                    var r = z.Add(score, m, ZAddFlags.Incr, maxEntries, maxValue, out double ns);
                    if ((r & ZAddResult.Nan) != 0)
                    {
                        Assert.True(double.IsNaN(model.Items[model.Find(m)].S + score));
                        break;
                    }
                    int i = model.Find(m);
                    double expect = i >= 0 ? model.Items[i].S + score : score;
                    Assert.Equal(expect, ns);
                    model.Set(m, expect == 0 ? 0.0 : expect);
                    break;
                }
            }
            if (step % 50 == 0) AssertSame(model, z);
        }
        AssertSame(model, z);
        // The compact form only ever grows into the full one.
        if (!startCompact) Assert.False(z.IsCompact);
        var copy = (ZSetValue)z.CloneWithKey(B("copy"));
        AssertSame(model, copy);
        Assert.Equal(z.IsCompact, copy.IsCompact);
    }

    [Fact]
    public void CompactConvertsPastTheThresholdsAndResultsCompactAgain()
    {
        var z = ZSetValue.CreateCompact(B("k"));
        for (int i = 0; i < 4; i++) z.Add(i, B("m" + i), ZAddFlags.None, 4, 8, out _);
        Assert.True(z.IsCompact);
        z.Add(9, B("m9"), ZAddFlags.None, 4, 8, out _);
        Assert.False(z.IsCompact);
        var small = ZSetValue.CreateCompact(B("s"));
        small.Add(1, B("123456789"), ZAddFlags.None, 4, 8, out _);
        Assert.False(small.IsCompact);
        var built = ZSetValue.CreateFull(B("r"));
        built.InsertNew(2, B("b"));
        built.InsertNew(1, B("a"));
        built.CompactIfFits(4, 8, 1);
        Assert.True(built.IsCompact);
        Assert.Equal("a", Encoding.ASCII.GetString(built.MemberAt(built.First())));
        Assert.Equal(2.0, built.ScoreAt(built.Last()));
    }

    [Fact]
    public void SortViewConvertsAndWalksBothWays()
    {
        var z = ZSetValue.CreateCompact(B("k"));
        for (int i = 0; i < 5; i++) z.Add(i, B("m" + i), ZAddFlags.None, 128, 64, out _);
        Assert.Equal(5, z.SortLength);
        // SORT turns a sorted set into a skiplist for good, as Redis's sort.c does.
        Assert.False(z.IsCompact);
        var got = new List<byte[]>();
        z.AppendElements(1, 2, false, got);
        z.AppendElements(0, 2, true, got);
        z.AppendElements(4, 10, false, got);
        Assert.Equal(["m1", "m2", "m4", "m3", "m4"], got.Select(b => Encoding.ASCII.GetString(b)));
    }

    [Fact]
    public void ListpackBytesFollowRedisLayout()
    {
        var z = ZSetValue.CreateCompact(B("k"));
        z.Add(1, B("a"), ZAddFlags.None, 128, 64, out _);
        z.Add(1.5, B("100"), ZAddFlags.None, 128, 64, out _);
        var lp = z.ListpackBytes();
        // header (6) | "a": 0x81 'a' backlen 2 | 1: 0x01 backlen 1 | 100: 0x64 backlen 1 | "1.5": 0x83 '1' '.' '5' backlen 4 | 0xFF
        byte[] expected = [0, 0, 0, 0, 4, 0, 0x81, (byte)'a', 2, 0x01, 1, 0x64, 1, 0x83, (byte)'1', (byte)'.', (byte)'5', 4, 0xFF];
        expected[0] = (byte)expected.Length;
        Assert.Equal(expected, lp);
    }

    [Fact]
    public void SkiplistScanVisitsEveryMemberThroughResizes()
    {
        var z = ZSetValue.CreateFull(B("k"));
        for (int i = 0; i < 500; i++) z.InsertNew(i, B("m" + i.ToString(CultureInfo.InvariantCulture)));
        var seen = new HashSet<string>();
        var found = new List<ZNode>();
        ulong cursor = 0;
        int steps = 0;
        do
        {
            found.Clear();
            cursor = z.SkipList!.ScanStep(cursor, found);
            foreach (var n in found) seen.Add(Encoding.ASCII.GetString(n.Member));
            // The table shrinks, then grows, during the scan: elements present all along are still returned.
            steps++;
            if (steps == 30)
            {
                for (int i = 40; i < 500; i++) z.Remove(B("m" + i.ToString(CultureInfo.InvariantCulture)));
                Assert.True(z.SkipList.BucketCount < 512);
            }
            if (steps == 40)
            {
                for (int i = 0; i < 1000; i++) z.InsertNew(-i, B("n" + i.ToString(CultureInfo.InvariantCulture)));
                Assert.True(z.SkipList.BucketCount >= 1024);
            }
        } while (cursor != 0 && steps < 100_000);
        Assert.Equal(0UL, cursor);
        for (int i = 0; i < 40; i++) Assert.Contains("m" + i.ToString(CultureInfo.InvariantCulture), seen);
    }
}
