namespace Stlm.Actors.Runtime;

/// <summary>
/// Publish/subscribe by message type (Akka's EventStream): a subscriber to a type gets every
/// published message assignable to it. Subscriptions end when the subscriber stops.
/// </summary>
public sealed class EventStream
{
    readonly Lock _lock = new();
    volatile (Type Channel, IActorRef Subscriber)[] _subscriptions = [];

    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        lock (_lock)
        {
            if (_subscriptions.Any(s => s.Channel == channel && s.Subscriber.Equals(subscriber)))
                return false;
            _subscriptions = [.. _subscriptions, (channel, subscriber)];
            return true;
        }
    }

    public bool Subscribe<T>(IActorRef subscriber) => Subscribe(subscriber, typeof(T));

    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        lock (_lock)
        {
            var kept = _subscriptions.Where(s => !(s.Channel == channel && s.Subscriber.Equals(subscriber))).ToArray();
            var removed = kept.Length != _subscriptions.Length;
            _subscriptions = kept;
            return removed;
        }
    }

    /// <summary>Removes every subscription of the subscriber.</summary>
    public void Unsubscribe(IActorRef subscriber)
    {
        if (!_subscriptions.Any(s => s.Subscriber.Equals(subscriber)))
            return;
        lock (_lock)
            _subscriptions = _subscriptions.Where(s => !s.Subscriber.Equals(subscriber)).ToArray();
    }

    public void Publish(object message)
    {
        var type = message.GetType();
        foreach (var (channel, subscriber) in _subscriptions)
            if (channel.IsAssignableFrom(type))
                subscriber.Tell(message, null);
    }
}
