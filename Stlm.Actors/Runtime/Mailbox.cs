using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Stlm.Actors.Runtime;

/// <summary>
/// An actor's queues and its scheduling. User messages go through a single-reader
/// System.Threading.Channels channel (FIFO, so per sender-receiver pair order holds); system
/// messages through their own queue and always first. At most one thread runs the mailbox at a
/// time (a CAS on <see cref="_status"/>), handling up to Throughput messages before giving the
/// thread back. Reads are lock-free; the channel's writer takes a short internal lock. A
/// lock-free ConcurrentQueue instead was measured (stlm bench actors, fan-in and ping-pong) and
/// was no faster on 2 cores, so the mailbox stays on Channels.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    const int Idle = 0;
    const int Scheduled = 1;

    readonly ActorCell _cell;
    readonly ChannelReader<Envelope> _reader;
    readonly ChannelWriter<Envelope> _writer;
    readonly bool _bounded;
    readonly TimeSpan _pushTimeout;
    readonly int _throughput;
    readonly ConcurrentQueue<SystemMessage> _system = new();
    readonly Lock _closeLock = new();
    readonly object _room = new();
    int _blockedSenders;
    int _systemPending;
    int _status;
    volatile bool _closed;
    Queue<Envelope>? _prepended;
    IDispatcher _dispatcher = ThreadPoolDispatcher.Instance;

    public Mailbox(ActorCell cell, Props props)
    {
        _cell = cell;
        _throughput = props.Throughput;
        _pushTimeout = props.PushTimeout;
        Channel<Envelope> channel;
        if (props.MailboxCapacity is { } capacity)
        {
            _bounded = true;
            channel = Channel.CreateBounded<Envelope>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.Wait, SingleReader = true, AllowSynchronousContinuations = false,
            });
        }
        else
        {
            channel = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions
            {
                SingleReader = true, AllowSynchronousContinuations = false,
            });
        }
        _reader = channel.Reader;
        _writer = channel.Writer;
    }

    public void UseDispatcher(IDispatcher dispatcher) => _dispatcher = dispatcher;

    public bool IsClosed => _closed;

    public void Post(in Envelope envelope)
    {
        if (_writer.TryWrite(envelope))
        {
            TrySchedule();
            return;
        }
        if (_bounded && !_closed)
            PostBlocking(envelope);
        else
            _cell.System.DeadLetter(envelope, _cell.Self);
    }

    // A full bounded mailbox blocks the sender, as Akka's BoundedMailbox does, up to the push
    // timeout. The reader pulses once per message it takes while senders wait; a sender counts
    // itself as waiting before its last try, under the lock the reader pulses with, so no
    // wake-up is lost.
    void PostBlocking(in Envelope envelope)
    {
        var deadline = Environment.TickCount64 + (long)_pushTimeout.TotalMilliseconds;
        var written = false;
        lock (_room)
        {
            _blockedSenders++;
            try
            {
                while (!(written = _writer.TryWrite(envelope)) && !_closed)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(_room, (int)Math.Min(left, int.MaxValue)))
                        break;
                }
            }
            finally
            {
                _blockedSenders--;
            }
        }
        if (written)
            TrySchedule();
        else
            _cell.System.DeadLetter(envelope, _cell.Self);
    }

    void WakeBlockedSender()
    {
        if (Volatile.Read(ref _blockedSenders) == 0)
            return;
        lock (_room)
            Monitor.Pulse(_room);
    }

    public async ValueTask PostAsync(Envelope envelope, CancellationToken ct)
    {
        if (_writer.TryWrite(envelope))
        {
            TrySchedule();
            return;
        }
        try
        {
            if (_bounded && !_closed)
            {
                await _writer.WriteAsync(envelope, ct).ConfigureAwait(false);
                TrySchedule();
                return;
            }
        }
        catch (ChannelClosedException) { }
        _cell.System.DeadLetter(envelope, _cell.Self);
    }

    /// <summary>Enqueues a system message; false when the mailbox is closed (the actor is dead).</summary>
    public bool PostSystem(SystemMessage message)
    {
        lock (_closeLock)
        {
            if (_closed)
                return false;
            _system.Enqueue(message);
            Interlocked.Increment(ref _systemPending);
        }
        TrySchedule();
        return true;
    }

    /// <summary>Puts messages back at the head of the queue, in order (unstash).</summary>
    public void Prepend(IReadOnlyCollection<Envelope> envelopes)
    {
        if (envelopes.Count == 0)
            return;
        var queue = new Queue<Envelope>(envelopes);
        if (_prepended is { Count: > 0 } rest)
            foreach (var envelope in rest)
                queue.Enqueue(envelope);
        _prepended = queue;
    }

    public void TrySchedule()
    {
        // The plain read first keeps senders from fighting over the cache line while the actor runs;
        // the enqueue before it is a full fence, and Run re-checks for work after going idle.
        if (Volatile.Read(ref _status) == Idle && Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
            _dispatcher.Schedule(this);
    }

    void IThreadPoolWorkItem.Execute() => Run();

    public void Run()
    {
        var cell = _cell;
        var previous = ActorCell.Enter(cell);
        try
        {
            ProcessSystemMessages();
            for (var left = _throughput; left > 0 && cell.CanProcessUserMessages; left--)
            {
                var fromStash = _prepended is { Count: > 0 };
                if (!TryDequeue(out var envelope))
                    break;
                cell.Invoke(envelope, fromStash);
                if (Volatile.Read(ref _systemPending) != 0)
                    ProcessSystemMessages();
            }
        }
        finally
        {
            ActorCell.Leave(previous);
            Interlocked.Exchange(ref _status, Idle);
        }
        if (HasWork())
            TrySchedule();
    }

    bool TryDequeue(out Envelope envelope)
    {
        if (_prepended is { Count: > 0 } prepended)
        {
            envelope = prepended.Dequeue();
            return true;
        }
        if (!_reader.TryRead(out envelope))
            return false;
        if (_bounded)
            WakeBlockedSender();
        return true;
    }

    bool HasWork() =>
        !_closed && (Volatile.Read(ref _systemPending) != 0
                     || (_cell.CanProcessUserMessages && (_prepended is { Count: > 0 } || _reader.TryPeek(out _))));

    void ProcessSystemMessages()
    {
        while (_system.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _systemPending);
            _cell.HandleSystem(message);
            if (_closed)
                return;
        }
    }

    /// <summary>
    /// Closes the mailbox for good: remaining user messages go to dead letters; remaining system
    /// messages are returned for the dead actor to answer (a late Watch still gets Terminated).
    /// </summary>
    public List<SystemMessage> Close()
    {
        List<SystemMessage> leftovers = [];
        lock (_closeLock)
        {
            _closed = true;
            while (_system.TryDequeue(out var message))
                leftovers.Add(message);
        }
        _writer.TryComplete();
        if (_bounded)
            lock (_room)
                Monitor.PulseAll(_room);
        while (TryDequeue(out var envelope))
            _cell.System.DeadLetter(envelope, _cell.Self);
        _dispatcher.Detach();
        return leftovers;
    }
}
