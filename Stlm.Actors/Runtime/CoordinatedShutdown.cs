using System.Runtime.InteropServices;

namespace Stlm.Actors.Runtime;

/// <summary>
/// Ordered shutdown in named phases (Akka's CoordinatedShutdown). Tasks of one phase run
/// concurrently; a phase starts when the previous one finished or timed out; the last phase
/// terminates the actor system. <see cref="Run"/> is idempotent: every caller gets the same task.
/// <see cref="InstallSignalHandlers"/> makes SIGINT/SIGTERM run it (e.g. Ctrl+C pauses a run).
/// </summary>
public sealed class CoordinatedShutdown
{
    public const string PhaseBeforeServiceUnbind = "before-service-unbind";
    public const string PhaseServiceStop = "service-stop";
    public const string PhaseBeforeActorSystemTerminate = "before-actor-system-terminate";
    public const string PhaseActorSystemTerminate = "actor-system-terminate";

    public static IReadOnlyList<string> Phases { get; } =
        [PhaseBeforeServiceUnbind, PhaseServiceStop, PhaseBeforeActorSystemTerminate, PhaseActorSystemTerminate];

    readonly ActorSystem _system;
    readonly Lock _lock = new();
    readonly Dictionary<string, List<(string Name, Func<CancellationToken, Task> Task)>> _tasks = [];
    Task? _run;

    internal CoordinatedShutdown(ActorSystem system) => _system = system;

    /// <summary>Why the shutdown ran, once it has started.</summary>
    public string? Reason { get; private set; }

    /// <summary>Registers a task for a phase; the token is cancelled when the phase times out.</summary>
    public void AddTask(string phase, string taskName, Func<CancellationToken, Task> task)
    {
        if (!Phases.Contains(phase))
            throw new ArgumentException($"unknown shutdown phase '{phase}': use one of {string.Join(", ", Phases)}", nameof(phase));
        lock (_lock)
        {
            if (_run is not null)
                throw new InvalidOperationException($"coordinated shutdown already started; cannot add task '{taskName}'");
            if (!_tasks.TryGetValue(phase, out var list))
                _tasks[phase] = list = [];
            list.Add((taskName, task));
        }
    }

    public Task Run(string reason)
    {
        lock (_lock)
        {
            if (_run is null)
            {
                Reason = reason;
                _run = Task.Run(() => RunPhases(reason));
            }
            return _run;
        }
    }

    async Task RunPhases(string reason)
    {
        _system.Log.Information("coordinated shutdown: {Reason}", reason);
        foreach (var phase in Phases)
        {
            List<(string Name, Func<CancellationToken, Task> Task)> tasks;
            lock (_lock)
                tasks = _tasks.TryGetValue(phase, out var list) ? [.. list] : [];
            if (phase == PhaseActorSystemTerminate)
                tasks.Add(("terminate-actor-system", _ => _system.Terminate()));
            if (tasks.Count == 0)
                continue;
            using var timeout = new CancellationTokenSource(_system.Settings.ShutdownPhaseTimeout);
            var running = tasks.Select(t => RunOne(phase, t.Name, t.Task, timeout.Token)).ToArray();
            var all = Task.WhenAll(running);
            if (await Task.WhenAny(all, Task.Delay(_system.Settings.ShutdownPhaseTimeout)).ConfigureAwait(false) != all)
            {
                _system.Log.Warning("shutdown phase {Phase} timed out after {Timeout}; going on", phase, _system.Settings.ShutdownPhaseTimeout);
                timeout.Cancel();
            }
        }
    }

    async Task RunOne(string phase, string name, Func<CancellationToken, Task> task, CancellationToken ct)
    {
        try
        {
            await task(ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _system.Log.Error(e, "shutdown task {Task} of phase {Phase} failed", name, phase);
        }
    }

    /// <summary>
    /// Makes SIGINT (Ctrl+C) and SIGTERM run the shutdown instead of killing the process.
    /// Dispose the result to restore the default handling.
    /// </summary>
    public IDisposable InstallSignalHandlers()
    {
        var registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }
            .Select(signal => PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = Run($"received {context.Signal}");
            }))
            .ToArray();
        return new Registrations(registrations);
    }

    sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
                registration.Dispose();
        }
    }
}
