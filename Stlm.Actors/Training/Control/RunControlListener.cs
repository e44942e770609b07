using Serilog;
using Stlm.Model;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// The training process's side of the control channel: a background task that looks for the
/// run's pending requests every <c>interval</c> (200 ms by default), takes each, hands it to
/// the <see cref="IRunControlTarget"/> and writes the answer. Training itself never waits on
/// it: with nothing pending, the cost is one indexed SELECT per interval on another thread.
/// <code>
/// await using var listener = RunControlListener.Start(control, "r-7", target);
/// … train …
/// await listener.StopAsync(r => ControlAnswer.Refuse("r-7 completed at step 400"));  // answers what is left
/// </code>
/// </summary>
public sealed class RunControlListener : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    readonly RunControlStore _store;
    readonly string _runId;
    readonly IRunControlTarget _target;
    readonly TimeSpan _interval;
    readonly CancellationTokenSource _stop = new();
    readonly Task _loop;
    ControlRequest? _inFlight;

    RunControlListener(RunControlStore store, string runId, IRunControlTarget target, TimeSpan interval)
    {
        (_store, _runId, _target, _interval) = (store, runId, target, interval);
        _loop = Task.Run(LoopAsync);
    }

    public static RunControlListener Start(RunControlStore store, string runId, IRunControlTarget target, TimeSpan? interval = null) =>
        new(store, runId, target, interval ?? DefaultInterval);

    /// <summary>Requests answered so far by this listener (for logs and tests).</summary>
    public int Answered { get; private set; }

    async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    foreach (var request in await _store.PendingAsync(_runId, _stop.Token))
                    {
                        if (_stop.IsCancellationRequested) break;
                        await HandleAsync(request);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A database hiccup must not stop training: the next tick tries again.
                    Log.Warning(e, "run {Run}: handling control requests failed", _runId);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    async Task HandleAsync(ControlRequest request)
    {
        if (!await _store.ClaimAsync(request.Id)) return;
        _inFlight = request;
        Log.Information("run {Run}: {Ask} asked by {By} (request {Id})", _runId, request.Ask, request.RequestedBy, request.Id);
        var answer = await DecideAsync(request.Ask);
        await _store.AnswerAsync(request.Id, answer);
        _inFlight = null;
        Answered++;
        Log.Information("run {Run}: request {Id} {State}: {Outcome}", _runId, request.Id, answer.Done ? "done" : "refused", answer.Outcome);
    }

    async Task<ControlAnswer> DecideAsync(ControlAsk ask)
    {
        try
        {
            var outcome = ask.Kind switch
            {
                ControlKind.Pause => await _target.PauseAsync(ask.Reason, _stop.Token),
                ControlKind.Override => await _target.OverrideAsync(ask.What, ask.Value, ask.FromStep, _stop.Token),
                _ => throw new StlmException($"unknown control request {ask.Kind}"),
            };
            return ControlAnswer.Ok(outcome);
        }
        catch (StlmException e)
        {
            return ControlAnswer.Refuse(e.Message);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Log.Error(e, "run {Run}: control request {Ask} failed", _runId, ask);
            return ControlAnswer.Refuse($"the trainer failed on it: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Stops polling and answers every request still open — the one being handled when the run
    /// stopped, and those nobody took — with <paramref name="last"/> (e.g. "paused at step 120"
    /// for a pause, a refusal for an override that came too late).
    /// </summary>
    public async Task StopAsync(Func<ControlRequest, ControlAnswer> last)
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        if (_inFlight is { } cut && await _store.AnswerAsync(cut.Id, last(cut))) Answered++;
        _inFlight = null;
        foreach (var request in await _store.PendingAsync(_runId))
            if (await _store.ClaimAsync(request.Id) && await _store.AnswerAsync(request.Id, last(request)))
                Answered++;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
