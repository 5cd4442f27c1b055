using Tern.Server.Info;

namespace Tern.Unit.Tests;

/// <summary>
/// Tern's latency histogram against figures produced by Redis 7.0.15's own hdr_histogram.c (built outside the
/// repository with the same parameters: 1 ns to 1 s, 2 significant figures), so percentiles and LATENCY
/// HISTOGRAM buckets match Redis's.
/// </summary>
public sealed class HdrHistogramTests
{
    private static HdrHistogram Build(params (long Value, int Count)[] data)
    {
        var counts = new long[HdrHistogram.CountsLength];
        foreach (var (v, n) in data) counts[HdrHistogram.IndexOf(v)] += n;
        var h = new HdrHistogram();
        h.Add(counts);
        return h;
    }

    private static string Steps(HdrHistogram h)
    {
        var parts = new List<string>();
        long prev = 0;
        foreach (var (highest, cumulative) in h.LogSteps())
        {
            if (cumulative > prev) parts.Add($"{highest / 1000}:{cumulative}");
            prev = cumulative;
        }
        return string.Join(" ", parts);
    }

    [Fact]
    public void OneMicrosecond()
    {
        var h = Build((1000, 3));
        Assert.Equal(3, h.TotalCount);
        Assert.Equal(1000, h.ValueAtPercentile(0));
        Assert.Equal(1003, h.ValueAtPercentile(50));
        Assert.Equal(1003, h.ValueAtPercentile(99.9));
        Assert.Equal(1003, h.ValueAtPercentile(100));
        Assert.Equal("1:3", Steps(h));
    }

    [Fact]
    public void SpreadValues()
    {
        var h = Build((1, 1), (1000, 5), (2000, 3), (5000, 1), (13000, 2), (250000, 1), (1_000_000_000, 1), (999_999_999, 1));
        Assert.Equal(1, h.ValueAtPercentile(0));
        Assert.Equal(2007, h.ValueAtPercentile(50));
        Assert.Equal(1002438655, h.ValueAtPercentile(99));
        Assert.Equal(1002438655, h.ValueAtPercentile(99.9));
        Assert.Equal(1002438655, h.ValueAtPercentile(100));
        Assert.Equal("1:6 2:9 8:10 16:12 264:13 1073741:15", Steps(h));
    }

    [Fact]
    public void LargeValues()
    {
        var h = Build((37000, 10), (38000, 1), (1_200_000, 2));
        Assert.Equal(36864, h.ValueAtPercentile(0));
        Assert.Equal(37119, h.ValueAtPercentile(50));
        Assert.Equal(1204223, h.ValueAtPercentile(99));
        Assert.Equal("66:11 2113:13", Steps(h));
    }

    [Fact]
    public void EmptyHistogramHasNoSteps()
    {
        var h = new HdrHistogram();
        Assert.Equal("", Steps(h));
        Assert.Equal(0, h.ValueAtPercentile(50));
    }
}
