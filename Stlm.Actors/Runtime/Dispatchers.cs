namespace Stlm.Actors.Runtime;

/// <summary>Decides which thread runs a mailbox that has work.</summary>
internal interface IDispatcher
{
    void Schedule(Mailbox mailbox);

    /// <summary>Called once the mailbox is closed for good.</summary>
    void Detach();
}

/// <summary>Runs mailboxes as thread-pool work items (no allocation per scheduling).</summary>
internal sealed class ThreadPoolDispatcher : IDispatcher
{
    public static readonly ThreadPoolDispatcher Instance = new();

    public void Schedule(Mailbox mailbox) => ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: true);

    public void Detach() { }
}

/// <summary>
/// Gives one actor its own thread, for work that blocks for long (a training step, a data
/// loader): it cannot starve the pool and keeps thread-affine native state on one thread.
/// </summary>
internal sealed class DedicatedThreadDispatcher : IDispatcher
{
    readonly SemaphoreSlim _signal = new(0);
    volatile bool _detached;

    public DedicatedThreadDispatcher(Mailbox mailbox, string threadName)
    {
        var thread = new Thread(() => Loop(mailbox)) { IsBackground = true, Name = threadName };
        thread.Start();
    }

    void Loop(Mailbox mailbox)
    {
        while (true)
        {
            _signal.Wait();
            if (_detached)
                break;
            mailbox.Run();
        }
        // The semaphore is left to the GC: a late Schedule may still Release it.
    }

    public void Schedule(Mailbox mailbox)
    {
        if (!_detached)
            _signal.Release();
    }

    public void Detach()
    {
        _detached = true;
        _signal.Release();
    }
}
