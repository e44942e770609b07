namespace Stlm.Actors.Runtime;

/// <summary>
/// How to make an actor and run it (Akka's Props): the factory, the mailbox and where it runs.
/// <para>
/// Mailboxes are unbounded by default. <see cref="WithBoundedMailbox"/> caps them: then Tell
/// from a full mailbox's sender <b>blocks the calling thread</b> until there is room or
/// <see cref="PushTimeout"/> passes (the message then goes to dead letters), as Akka's
/// BoundedMailbox does; <c>TellAsync</c> awaits room instead of blocking.
/// </para>
/// </summary>
public sealed record Props
{
    /// <summary>Akka's default dispatcher handles 30 messages per scheduling; more batches better under load.</summary>
    public const int DefaultThroughput = 100;

    internal Func<ActorBase> Factory { get; }
    public Type ActorType { get; }
    public int? MailboxCapacity { get; init; }
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public bool DedicatedThread { get; init; }
    public int Throughput { get; init; } = DefaultThroughput;
    public SupervisorStrategy? SupervisorStrategy { get; init; }

    Props(Type actorType, Func<ActorBase> factory)
    {
        ActorType = actorType;
        Factory = factory;
    }

    public static Props Create<TActor>() where TActor : ActorBase, new() => new(typeof(TActor), () => new TActor());

    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase => new(typeof(TActor), factory);

    /// <summary>Caps the mailbox; see the type's remarks for what a full mailbox does to senders.</summary>
    public Props WithBoundedMailbox(int capacity, TimeSpan? pushTimeout = null)
    {
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a bounded mailbox holds at least one message");
        return this with { MailboxCapacity = capacity, PushTimeout = pushTimeout ?? PushTimeout };
    }

    /// <summary>Runs the actor on its own thread (for long blocking work: a trainer, a data loader).</summary>
    public Props WithDedicatedThread() => this with { DedicatedThread = true };

    /// <summary>How many messages the actor handles before giving its thread back.</summary>
    public Props WithThroughput(int messagesPerScheduling)
    {
        if (messagesPerScheduling < 1)
            throw new ArgumentOutOfRangeException(nameof(messagesPerScheduling), messagesPerScheduling, "throughput is at least 1");
        return this with { Throughput = messagesPerScheduling };
    }

    /// <summary>Supervises this actor's children with the given strategy instead of the actor's own.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy };
}
