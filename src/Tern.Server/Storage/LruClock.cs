namespace Tern.Server.Storage;

/// <summary>
/// Redis's 24-bit LRU clock in seconds (LRU_CLOCK_RESOLUTION 1000 ms), used by OBJECT IDLETIME.
/// </summary>
public static class LruClock
{
    public const uint Max = (1u << 24) - 1;

    public static uint Now => (uint)(Clock.UnixMs() / 1000) & Max;

    /// <summary>Seconds since <paramref name="lru"/>, wrapping as Redis's estimateObjectIdleTime does.</summary>
    public static long IdleSeconds(uint lru)
    {
        uint now = Now;
        return now >= lru ? now - lru : (Max - lru) + now;
    }
}
