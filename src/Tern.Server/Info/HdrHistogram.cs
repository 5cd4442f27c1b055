using System.Numerics;

namespace Tern.Server.Info;

/// <summary>
/// The latency histogram Redis 7.0 keeps per command (HdrHistogram with lowest value 1 ns, highest 1 s, 2
/// significant figures), with the same bucket layout, so that percentiles (INFO latencystats) and the logarithmic
/// buckets of LATENCY HISTOGRAM come out as Redis computes them. Only the counts live here; per-thread recording
/// is in <see cref="CommandLatency"/>, which merges counts into one of these on read.
/// </summary>
public sealed class HdrHistogram
{
    public const long LowestValue = 1;
    public const long HighestValue = 1_000_000_000;
    private const int SignificantFigures = 2;

    // Layout derived from the three parameters as HdrHistogram does (unit magnitude 0, 256 sub-buckets).
    private static readonly int SubBucketHalfCountMagnitude;
    private static readonly int UnitMagnitude;
    private static readonly int SubBucketCount;
    private static readonly int SubBucketHalfCount;
    private static readonly long SubBucketMask;

    /// <summary>Number of counters of a histogram.</summary>
    public static readonly int CountsLength;

    static HdrHistogram()
    {
        long largestSingleUnit = 2 * (long)Math.Pow(10, SignificantFigures);
        int subBucketCountMagnitude = (int)Math.Ceiling(Math.Log(largestSingleUnit) / Math.Log(2));
        SubBucketHalfCountMagnitude = Math.Max(subBucketCountMagnitude, 1) - 1;
        UnitMagnitude = (int)(Math.Log(LowestValue) / Math.Log(2));
        SubBucketCount = 1 << (SubBucketHalfCountMagnitude + 1);
        SubBucketHalfCount = SubBucketCount / 2;
        SubBucketMask = ((long)SubBucketCount - 1) << UnitMagnitude;
        long smallestUntrackable = (long)SubBucketCount << UnitMagnitude;
        int buckets = 1;
        while (smallestUntrackable <= HighestValue)
        {
            smallestUntrackable <<= 1;
            buckets++;
        }
        CountsLength = (buckets + 1) * (SubBucketCount / 2);
    }

    public HdrHistogram() => Counts = new long[CountsLength];

    public long[] Counts { get; }

    public long TotalCount { get; set; }

    private static int BucketIndex(long value) =>
        64 - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask)) - UnitMagnitude - (SubBucketHalfCountMagnitude + 1);

    private static int SubBucketIndex(long value, int bucket) => (int)(value >> (bucket + UnitMagnitude));

    /// <summary>The counter a value falls in (values are clamped to the tracked range by the caller).</summary>
    public static int IndexOf(long value)
    {
        int bucket = BucketIndex(value);
        int sub = SubBucketIndex(value, bucket);
        return ((bucket + 1) << SubBucketHalfCountMagnitude) + (sub - SubBucketHalfCount);
    }

    /// <summary>The lowest value counted by counter <paramref name="index"/>.</summary>
    public static long ValueAtIndex(int index)
    {
        int bucket = (index >> SubBucketHalfCountMagnitude) - 1;
        int sub = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucket < 0)
        {
            sub -= SubBucketHalfCount;
            bucket = 0;
        }
        return (long)sub << (bucket + UnitMagnitude);
    }

    private static long RangeSize(long value)
    {
        int bucket = BucketIndex(value);
        int sub = SubBucketIndex(value, bucket);
        int adjusted = sub >= SubBucketCount ? bucket + 1 : bucket;
        return 1L << (UnitMagnitude + adjusted);
    }

    private static long LowestEquivalent(long value)
    {
        int bucket = BucketIndex(value);
        return (long)SubBucketIndex(value, bucket) << (bucket + UnitMagnitude);
    }

    private static long HighestEquivalent(long value) => LowestEquivalent(value) + RangeSize(value) - 1;

    public void Clear()
    {
        Array.Clear(Counts);
        TotalCount = 0;
    }

    /// <summary>Adds another counter array into this histogram.</summary>
    public void Add(long[] counts)
    {
        var mine = Counts;
        for (int i = 0; i < mine.Length; i++)
        {
            long c = counts[i];
            if (c == 0) continue;
            mine[i] += c;
            TotalCount += c;
        }
    }

    /// <summary>The value at a percentile (0..100), as HdrHistogram's hdr_value_at_percentile.</summary>
    public long ValueAtPercentile(double percentile)
    {
        double requested = percentile < 100.0 ? percentile : 100.0;
        long countAt = (long)((requested / 100 * TotalCount) + 0.5);
        if (countAt < 1) countAt = 1;
        long value = 0, running = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            running += Counts[i];
            if (running >= countAt)
            {
                value = ValueAtIndex(i);
                break;
            }
        }
        return percentile == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
    }

    /// <summary>
    /// Walks the histogram in logarithmic steps (first step 1024, each next one twice as large) as HdrHistogram's
    /// log iterator, yielding for each step the highest value equivalent to the counter reached and the
    /// cumulative count so far. LATENCY HISTOGRAM prints the steps where the cumulative count grew.
    /// </summary>
    public List<(long HighestEquivalent, long Cumulative)> LogSteps(long firstStep = 1024, long logBase = 2)
    {
        var steps = new List<(long, long)>();
        int index = -1;
        long cumulative = 0, value = 0, highestEq = 0;
        long nextLevel = firstStep;
        long nextLevelLowest = LowestEquivalent(nextLevel);
        while (true)
        {
            bool more = cumulative < TotalCount ||
                        (index < CountsLength && ValueAtIndex(index + 1) > nextLevelLowest);
            if (!more) break;
            while (true)
            {
                if (value >= nextLevelLowest)
                {
                    nextLevel *= logBase;
                    nextLevelLowest = LowestEquivalent(nextLevel);
                    break;
                }
                // Move to the next counter; past the last one the step is reported with the last values.
                index++;
                if (index >= CountsLength) break;
                cumulative += Counts[index];
                value = ValueAtIndex(index);
                highestEq = LowestEquivalent(value) + RangeSize(value) - 1;
            }
            steps.Add((highestEq, cumulative));
            if (index >= CountsLength) break;
        }
        return steps;
    }
}
