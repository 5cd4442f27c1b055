using Tern.Server.Commands;

namespace Tern.Server.Network;

/// <summary>CLIENT PAUSE modes, ordered from least to most restrictive as Redis orders them.</summary>
public enum PauseType
{
    Off = 0,
    Write = 1,
    All = 2,
}

/// <summary>
/// CLIENT PAUSE state (Redis's pauseClients for the CLIENT command purpose). A paused command is not run: the
/// dispatcher marks the client <see cref="Postponed"/> after all its checks passed, and the connection awaits
/// <see cref="WhenEnded"/> without holding a thread, then runs the command again through every check, as Redis
/// re-processes a postponed client. The common path reads one volatile int.
/// </summary>
public sealed class ClientPause : IDisposable
{
    /// <summary>The <see cref="Client.Blocked"/> value of a client whose command waits for the pause to end.</summary>
    public static readonly BlockedWait Postponed = new PostponedMarker();

    private readonly object _lock = new();
    private volatile int _type;
    private long _endMs;
    private volatile TaskCompletionSource _ended = NewSignal();
    private Timer? _timer;

    /// <summary>The pause in force (a pause past its end counts until the timer or the next check clears it).</summary>
    public PauseType Type => (PauseType)_type;

    /// <summary>Unix ms at which the pause ends (Redis's client_pause_end_time).</summary>
    public long EndMs
    {
        get { lock (_lock) return _endMs; }
    }

    /// <summary>
    /// Does the pause hold back <paramref name="cmd"/> from <paramref name="client"/>? ALL holds every command,
    /// WRITE the write and may-replicate ones (Redis's is_may_replicate_command). Replicas are never paused,
    /// nor are MONITOR clients, which Redis flags as replicas too. Internal clients without a connection (no
    /// loop to wait in) are not paused either: whoever drives one must honour the pause itself if it should.
    /// </summary>
    public bool Postpones(CommandDef cmd, Client client)
    {
        int t = _type;
        if (t == 0) return false;
        if (client.IsReplica || client.IsMonitor || client.Connection == null) return false;
        if (t == (int)PauseType.Write && (cmd.Flags & (CommandFlags.Write | CommandFlags.MayReplicate)) == 0) return false;
        return !EndIfExpired(Storage.Clock.UnixMs());
    }

    /// <summary>
    /// CLIENT PAUSE: pauses until <paramref name="endMs"/>. With a pause already in force the end is the later
    /// of the two and the type the more restrictive one. An end in the past (CLIENT PAUSE 0) ends it at once.
    /// </summary>
    public void Pause(long endMs, PauseType type)
    {
        lock (_lock)
        {
            if (_type == 0)
            {
                _endMs = endMs;
                _type = (int)type;
            }
            else
            {
                _endMs = Math.Max(_endMs, endMs);
                _type = Math.Max(_type, (int)type);
            }
            if (!EndIfExpiredLocked(Storage.Clock.UnixMs())) ArmTimerLocked();
        }
    }

    /// <summary>CLIENT UNPAUSE: ends the pause; postponed clients run their commands again.</summary>
    public void Unpause()
    {
        lock (_lock) EndLocked();
    }

    /// <summary>
    /// A task that completes when the pause in force ends (already completed when none is). Take it before
    /// re-checking <see cref="Type"/>: the signal is replaced only after the type went back to Off.
    /// </summary>
    public Task WhenEnded()
    {
        var t = _ended.Task;
        return _type == 0 ? Task.CompletedTask : t;
    }

    private bool EndIfExpired(long now)
    {
        if (now <= Volatile.Read(ref _endMs)) return false;
        lock (_lock) return EndIfExpiredLocked(now);
    }

    private bool EndIfExpiredLocked(long now)
    {
        if (_type == 0) return true;
        // Redis ends a pause when its end time is strictly before now.
        if (_endMs >= now) return false;
        EndLocked();
        return true;
    }

    private void EndLocked()
    {
        if (_type == 0) return;
        _type = 0;
        _endMs = 0;
        _timer?.Dispose();
        _timer = null;
        var old = _ended;
        _ended = NewSignal();
        old.TrySetResult();
    }

    private void ArmTimerLocked()
    {
        long due = Math.Max(1, _endMs - Storage.Clock.UnixMs() + 1);
        if (due > int.MaxValue - 1) due = int.MaxValue - 1;
        _timer?.Dispose();
        _timer = new Timer(_ => OnTimer(), null, due, Timeout.Infinite);
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_type == 0) return;
            if (!EndIfExpiredLocked(Storage.Clock.UnixMs())) ArmTimerLocked();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private sealed class PostponedMarker : BlockedWait
    {
        public override bool Interruptible => false;

        protected override void Reply(CommandContext ctx, UnblockReason reason)
        {
        }
    }
}
