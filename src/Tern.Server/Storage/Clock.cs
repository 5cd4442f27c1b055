using System.Diagnostics;

namespace Tern.Server.Storage;

/// <summary>
/// Unix time in milliseconds from a monotonic source. Tests may shift it with <see cref="OffsetMs"/> to make keys
/// expire without sleeping.
/// </summary>
public static class Clock
{
    private static readonly long StartUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private static readonly long StartTicks = Stopwatch.GetTimestamp();
    private static readonly double MsPerTick = 1000.0 / Stopwatch.Frequency;

    /// <summary>Added to every reading (tests only).</summary>
    public static long OffsetMs;

    public static long UnixMs() => StartUnixMs + (long)((Stopwatch.GetTimestamp() - StartTicks) * MsPerTick) + OffsetMs;

    public static long UnixMicros()
    {
        double us = (Stopwatch.GetTimestamp() - StartTicks) * (MsPerTick * 1000.0);
        return (StartUnixMs + OffsetMs) * 1000 + (long)us;
    }
}
