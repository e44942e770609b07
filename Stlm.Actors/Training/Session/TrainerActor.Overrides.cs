using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.Session;

// Schedule overrides go through the trainer: only it knows which step has not started yet, and
// no step runs between journaling an override and receiving the schedules that include it.
public sealed partial class TrainerActor
{
    sealed record OverrideJournaled(ScheduleOverridden Event, IActorRef ReplyTo);

    sealed record OverrideRefused(string Reason, IActorRef ReplyTo);

    // Overrides that came before the first schedules: handled once those are announced.
    readonly Queue<(OverrideRequest Request, IActorRef ReplyTo)> _earlyOverrides = new();

    void OnOverride(OverrideRequest r)
    {
        var replyTo = Sender;
        if (_schedules is null)
        {
            _earlyOverrides.Enqueue((r, replyTo));
            return;
        }
        try
        {
            var from = r.FromStep ?? _nextStep;
            if (from < _nextStep)
                throw new Model.StlmException($"run {_setup.RunId} has already started step {_nextStep - 1}: an override can start at step {_nextStep} at the earliest");
            ScheduleActor.Validate(r.What, r.Value);
            var candidate = ScheduleActor.ToOverride(new ScheduleOverridden { What = r.What, Value = r.Value, FromStep = from });
            _ = new ScheduleSet(_schedules!.Set.Config, [.. _schedules.Set.Overrides, candidate]);
            _overridesInFlight++;
            RunActor.AskAsync(_run, new OverrideSchedule(r.What, r.Value, from, r.DecidedBy)).PipeTo(Self, Self,
                state => new OverrideJournaled(state.Overrides[^1], replyTo),
                error => new OverrideRefused(error.Message, replyTo));
        }
        catch (Model.StlmException e)
        {
            replyTo.Tell(new Status.Failure(e), Self);
        }
    }

    /// <summary>While finishing: the run stops before any step an override could start at.</summary>
    void RefuseOverride(OverrideRequest r) => Sender.Tell(new Status.Failure(new Model.StlmException(
        $"run {_setup.RunId} is stopping ({_finishing!.End.ToString().ToLowerInvariant()}); override it after resuming")), Self);

    void ReplayEarlyOverrides()
    {
        while (_earlyOverrides.TryDequeue(out var early)) Self.Tell(early.Request, early.ReplyTo);
    }

    void OnOverrideJournaled(OverrideJournaled j)
    {
        _overridesInFlight--;
        _schedule.Tell(new AddOverride(j.Event), Self);
        _awaitedScheduleVersion++;
        j.ReplyTo.Tell(j.Event, Self);
        _reporter.Tell(new OverrideEvent(j.Event), Self);
        Continue();
    }

    void OnOverrideRefused(OverrideRefused r)
    {
        _overridesInFlight--;
        r.ReplyTo.Tell(new Status.Failure(new Model.StlmException(r.Reason)), Self);
        Continue();
    }
}
