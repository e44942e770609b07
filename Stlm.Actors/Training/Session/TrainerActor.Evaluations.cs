namespace Stlm.Actors.Training.Session;

// What the trainer hands the evaluators: every eval.every-steps steps the held-out evaluation,
// and at each checkpoint it takes (but the quick one of a pause) the held-out evaluation and
// every eval.tasks task, all on one copy of that step's weights (the checkpoint's own), so
// training goes on meanwhile. Every ending waits for the evaluations in flight (the trainer
// counts them); they are bounded by eval.batches and the tasks' limits. A resumed run first scores
// the tasks its start checkpoint lacks (a pause's, which is not evaluated so that pausing stays
// quick, or one whose evaluations a crash cut off). With checkpoint.keep-best, a checkpoint is
// written with MetricPending when its keep-best metric is being evaluated: the checkpoint actor
// keeps it until the run journals the value (it hears the run's events itself).
public sealed partial class TrainerActor
{
    long _lastHeldOut = -1, _lastTasks = -1;
    // Steps whose keep-best metric is being evaluated.
    readonly HashSet<long> _metricInFlight = [];

    /// <summary>Evaluates the current step: held out (once per step), and the eval.tasks when <paramref name="withTasks"/> (once per step).</summary>
    void Evaluate(bool withTasks)
    {
        var settings = _setup.Settings;
        if (settings.Evaluators == 0) return;
        var tasks = new List<string>();
        if (_lastHeldOut != CurrentStep) tasks.Add(EvaluatorActor.HeldOutTask);
        if (withTasks && _lastTasks != CurrentStep) tasks.AddRange(settings.Tasks.Select(t => t.Name));
        if (tasks.Count == 0) return;
        _lastHeldOut = CurrentStep;
        if (withTasks) _lastTasks = CurrentStep;
        if (tasks.Contains(settings.KeepBestMetric.Task)) _metricInFlight.Add(CurrentStep);
        _evalsInFlight += tasks.Count;
        _evaluators.Tell(EvaluateWeights.Capture(CurrentStep, _model.Module, tasks), Self);
    }

    /// <summary>
    /// On a trainer node: the evaluations the checkpoint of the current step owes (held out, once
    /// per step, and every eval.tasks entry), journaled with its commit for the cluster's evaluators.
    /// </summary>
    List<string> OweEvaluations()
    {
        var settings = _setup.Settings;
        if (settings.Evaluators == 0 || _lastTasks == CurrentStep) return [];
        List<string> owed = _lastHeldOut == CurrentStep ? [] : [EvaluatorActor.HeldOutTask];
        owed.AddRange(settings.Tasks.Select(t => t.Name));
        (_lastHeldOut, _lastTasks) = (CurrentStep, CurrentStep);
        return owed;
    }

    /// <summary>The eval.tasks the start checkpoint lacks (TrainerSetup.TasksAtStart), on the weights just restored.</summary>
    void EvaluateStart()
    {
        if (_setup.TasksAtStart is not { Count: > 0 } tasks || _setup.Settings.Evaluators == 0) return;
        _evalsInFlight += tasks.Count;
        _evaluators.Tell(EvaluateWeights.Capture(CurrentStep, _model.Module, tasks), Self);
    }

    /// <summary>Whether a checkpoint of <paramref name="step"/> must wait for its keep-best metric before retention may drop it.</summary>
    bool MetricPendingAt(long step) => _setup.Settings.Retention.KeepBest > 0 && _metricInFlight.Contains(step);

    /// <summary>After a rollback or a restart from a checkpoint the steps ahead are trained anew.</summary>
    void ForgetEvaluatedSteps() => (_lastHeldOut, _lastTasks) = (-1, -1);

    void OnEvalDone(EvalDone e)
    {
        _evalsInFlight--;
        // With several evaluators an earlier step's result can come in last; the outcome reports the latest step's.
        if (e.Bpb is { } bpb && e.Step >= _heldOutBpbStep) (_heldOutBpb, _heldOutBpbStep) = (bpb, e.Step);
        if (e.Task == _setup.Settings.KeepBestMetric.Task) _metricInFlight.Remove(e.Step);
        Continue();
    }
}
