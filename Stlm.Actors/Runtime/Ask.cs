namespace Stlm.Actors.Runtime;

/// <summary>
/// A one-shot ref that completes a task with the first message it gets (Akka's
/// PromiseActorRef). A <see cref="Status.Failure"/> reply fails the task.
/// </summary>
internal sealed class PromiseActorRef(ActorPath path) : IActorRef
{
    readonly TaskCompletionSource<object> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ActorPath Path { get; } = path;
    public Task<object> Task => _promise.Task;

    public void Tell(object message, IActorRef? sender)
    {
        if (message is Status.Failure failure)
            _promise.TrySetException(failure.Cause);
        else
            _promise.TrySetResult(message);
    }

    public void Fail(Exception cause) => _promise.TrySetException(cause);

    public override string ToString() => $"Actor[{Path}]";
}

public static class AskExtensions
{
    /// <summary>
    /// Sends the message with a temporary ref as sender and awaits the reply. Throws
    /// <see cref="AskTimeoutException"/> when none comes in time or the recipient is dead,
    /// the failure's cause on a <see cref="Status.Failure"/> reply, and InvalidCastException
    /// when the reply is not a <typeparamref name="T"/>.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef receiver, object message, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var system = SystemOf(receiver);
        var wait = timeout ?? system?.Settings.DefaultAskTimeout ?? TimeSpan.FromSeconds(30);
        var promise = new PromiseActorRef(system?.NewTempPath() ?? ActorPath.Root("stlm").Child("temp").Child("$ask"));
        receiver.Tell(message, promise);
        object reply;
        try
        {
            reply = await promise.Task.WaitAsync(wait, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new AskTimeoutException($"no reply from {receiver.Path} to {message.GetType().Name} within {wait.TotalMilliseconds:0} ms");
        }
        return reply is T typed
            ? typed
            : throw new InvalidCastException($"{receiver.Path} replied {reply.GetType().Name} to {message.GetType().Name}, expected {typeof(T).Name}");
    }

    public static Task<object> Ask(this IActorRef receiver, object message, TimeSpan? timeout = null, CancellationToken ct = default) =>
        receiver.Ask<object>(message, timeout, ct);

    static ActorSystem? SystemOf(IActorRef receiver) => receiver switch
    {
        LocalActorRef local => local.Cell.System,
        _ => ActorCell.Current?.System,
    };
}

public static class PipeToExtensions
{
    /// <summary>
    /// Sends the task's result to the recipient when it completes, or a <see cref="Status.Failure"/>
    /// when it fails. The way to bring async work back into an actor without blocking it.
    /// </summary>
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        sender ??= ActorCell.Current?.Self;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
                recipient.Tell(success is null ? t.Result! : success(t.Result), sender);
            else
            {
                var cause = t.Exception?.GetBaseException() ?? new TaskCanceledException(t);
                recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public static Task PipeTo(this Task task, IActorRef recipient, IActorRef? sender = null,
        Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        sender ??= ActorCell.Current?.Self;
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
                recipient.Tell(success is null ? new Status.Success(null) : success(), sender);
            else
            {
                var cause = t.Exception?.GetBaseException() ?? new TaskCanceledException(t);
                recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
