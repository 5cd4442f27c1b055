using Tern.Server.Commands;

namespace Tern.Server.Network;

/// <summary>Why a blocked client resumes.</summary>
public enum UnblockReason : byte
{
    /// <summary>What it waited for happened (a push on the list, enough replica acks ...).</summary>
    Served,

    /// <summary>Its timeout passed, or CLIENT UNBLOCK id [TIMEOUT].</summary>
    Timeout,

    /// <summary>CLIENT UNBLOCK id ERROR: the reply is "-UNBLOCKED client unblocked via CLIENT UNBLOCK".</summary>
    Error,

    /// <summary>The connection closed (CLIENT KILL, peer gone, shutdown): nothing is written.</summary>
    Closed,
}

/// <summary>
/// The hook for blocking commands (BLPOP, BLMOVE, XREAD BLOCK, WAIT ...), used the way CLIENT PAUSE uses it, so a
/// blocked client holds no thread:
/// <list type="number">
/// <item>The handler, finding nothing to return, creates a subclass instance, registers it where it will be
/// served (e.g. the key's waiter list), stores it in <see cref="Client.Blocked"/> and returns without writing a
/// reply. The dispatcher releases the shard locks as usual.</item>
/// <item>The connection sees <see cref="Client.Blocked"/> after the command, sends the replies of the commands
/// before it, and awaits <see cref="Task"/>; it reads no further commands meanwhile, as Redis does with a blocked
/// client. Pushes (pub/sub, MONITOR) still reach it.</item>
/// <item>Whoever ends the wait calls <see cref="TryComplete"/>; the first caller wins (a push serving the key,
/// the timeout timer, CLIENT UNBLOCK, the connection closing).</item>
/// <item>The connection, back on its own flow, clears <see cref="Client.Blocked"/> and calls
/// <see cref="Resume"/> with the command's context (its arguments are still valid: the receive buffer is not
/// touched while blocked). <see cref="Resume"/> writes the "-UNBLOCKED" error for
/// <see cref="UnblockReason.Error"/> and otherwise calls <see cref="Reply"/>, where the command writes its
/// served or timed-out reply; it takes the shard locks it needs itself (it is not under the dispatcher).</item>
/// </list>
/// CLIENT UNBLOCK answers 1 when <see cref="TryComplete"/> succeeded and 0 when the client is not blocked, is
/// only paused (CLIENT PAUSE), or its wait cannot be interrupted (<see cref="Interruptible"/> false).
/// </summary>
public abstract class BlockedWait
{
    private readonly TaskCompletionSource<UnblockReason> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the reason once the wait is over.</summary>
    public Task<UnblockReason> Task => _done.Task;

    /// <summary>May CLIENT UNBLOCK end this wait? (Redis: every blocking command but module ones without a timeout callback.)</summary>
    public virtual bool Interruptible => true;

    /// <summary>Ends the wait; false when it had already ended.</summary>
    public virtual bool TryComplete(UnblockReason reason) => _done.TrySetResult(reason);

    /// <summary>Completes the task itself (for subclasses that do their own bookkeeping in <see cref="TryComplete"/>).</summary>
    protected bool CompleteCore(UnblockReason reason) => _done.TrySetResult(reason);

    /// <summary>
    /// Called by the connection once it sent the replies before the blocked command and no longer touches its
    /// reply buffer: from then on whoever serves the wait may write the reply into it.
    /// </summary>
    public virtual void OnParked()
    {
    }

    /// <summary>Writes the blocked command's final reply on the client's connection.</summary>
    public void Resume(CommandContext ctx, UnblockReason reason)
    {
        if (reason == UnblockReason.Error) ctx.Error(Errors.Unblocked);
        else if (reason != UnblockReason.Closed) Reply(ctx, reason);
    }

    /// <summary>The command's reply when served (<see cref="UnblockReason.Served"/>) or timed out (<see cref="UnblockReason.Timeout"/>).</summary>
    protected abstract void Reply(CommandContext ctx, UnblockReason reason);
}
