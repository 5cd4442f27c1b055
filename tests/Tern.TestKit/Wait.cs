using System.Diagnostics;

namespace Tern.TestKit;

/// <summary>Polls a condition until it holds (never a fixed sleep), failing with a message after the bound.</summary>
public static class Wait
{
    public static void Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return;
            if (sw.Elapsed > timeout) throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0}s waiting for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Default bound for conditions on a loaded 2-core machine.</summary>
    public static void Until(Func<bool> condition, string what) => Until(condition, TimeSpan.FromSeconds(30), what);
}
