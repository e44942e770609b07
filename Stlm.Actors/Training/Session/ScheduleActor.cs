using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.Session;

// The schedule actor's protocol.
//   hears: SubscribeSchedule (trainer), AddOverride (trainer, after journaling any override),
//          RunJournaled of an EvalCompleted (the run's event stream: every journaled evaluation),
//          ScheduleOverridden / Status.Failure (trainer: the answer to its own policy decision)
//   says:  ScheduleAnnounced (to the trainer), OverrideRequest (to the trainer: a policy decision)
//   persists: nothing itself; its decisions are journaled by the trainer as ScheduleOverridden
//          (decided_by "lr-plateau@STEP") before any step they affect.

/// <summary>A new override (already journaled as ScheduleOverridden); answered by a new announcement.</summary>
public sealed record AddOverride(ScheduleOverridden Event);

/// <summary>
/// The schedules as they stand: a pure function of (config, step, overrides). <see cref="At"/>
/// gives the values of a journal step (1-based; the schedules count optimizer steps from 0).
/// <paramref name="Version"/> grows with every override, so the trainer knows which it runs with.
/// </summary>
public sealed record ScheduleAnnounced(ScheduleSet Set, int Version)
{
    public ScheduleValues At(long journalStep) => Set.At(journalStep - 1);
}

/// <summary>
/// Owns a run's schedules (TrainingRecipe.ScheduleSet), the overrides the journal has, and the
/// policies that react to the run's evaluations (<see cref="LrPlateauPolicy"/>); announces the
/// schedules to the trainer whenever they change. A policy's decision goes to the trainer as an
/// override request, because only the trainer knows which step has not started yet; it is
/// journaled before any step it affects, so replay, resume and forks see it. Journal steps are
/// 1-based (the RunActor's numbering); the schedules are 0-based in optimizer steps, so an
/// override from journal step N applies from schedule step N - 1.
/// <code>
/// var schedule = Context.ActorOf(ScheduleActor.Props(recipe.ScheduleSet, state.Overrides, state.Evals, settings.LrPlateau), "schedule");
/// schedule.Tell(new SubscribeSchedule(), trainer);   // the trainer gets ScheduleAnnounced (version 0)
/// schedule.Tell(new AddOverride(journaledEvent));    // the trainer gets the next version
/// // each EvalCompleted the run journals (RunJournaled on the event stream) may lead to an OverrideRequest to the trainer
/// </code>
/// </summary>
public sealed class ScheduleActor : ReceiveActor
{
    readonly Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> _build;
    readonly List<ScheduleOverride> _overrides;
    readonly List<ScheduleOverridden> _journaled;
    readonly List<EvalCompleted> _evals;
    readonly LrPlateauPolicy _plateau;
    IActorRef? _trainer;
    int _version;
    bool _deciding;

    public ScheduleActor(Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> build, IEnumerable<ScheduleOverridden> journaled,
        IEnumerable<EvalCompleted> evals, LrPlateauPolicy plateau)
    {
        _build = build;
        _journaled = [.. journaled];
        _overrides = [.. _journaled.Select(ToOverride)];
        _evals = [.. evals];
        _plateau = plateau;
        Receive<SubscribeSchedule>(_ =>
        {
            _trainer = Sender;
            _trainer.Tell(new ScheduleAnnounced(_build(_overrides), _version), Self);
        });
        Receive<AddOverride>(a =>
        {
            _journaled.Add(a.Event);
            _overrides.Add(ToOverride(a.Event));
            Announce();
        });
        Context.System.EventStream.Subscribe(Self, typeof(RunJournaled));
        Receive<RunJournaled>(j =>
        {
            if (j.Event is not EvalCompleted eval) return;
            _evals.Add(eval);
            DecideOnPlateau();
        });
        Receive<ScheduleOverridden>(_ => _deciding = false); // the trainer journaled the decision (AddOverride follows)
        Receive<Status.Failure>(f =>
        {
            _deciding = false;
            RunLog.Of(Context).Info("The lr-plateau decision was not applied: {Reason}", f.Cause.Message);
        });
    }

    void DecideOnPlateau()
    {
        if (_deciding || _trainer is null || _plateau.Decide(_evals, _journaled) is not { } evalStep) return;
        _deciding = true;
        RunLog.Of(Context).Info("Held-out bits per byte on a plateau at step {Step}: lr *= {Factor} from the next step", evalStep, _plateau.Factor);
        _trainer.Tell(new OverrideRequest("lr", Scale(_plateau.Factor), null, LrPlateauPolicy.DecidedBy(evalStep)), Self);
    }

    public static Props Props(Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> build, IEnumerable<ScheduleOverridden> journaled,
        IEnumerable<EvalCompleted> evals, LrPlateauPolicy plateau) =>
        Akka.Actor.Props.Create(() => new ScheduleActor(build, journaled.ToList(), evals.ToList(), plateau));

    void Announce() => _trainer?.Tell(new ScheduleAnnounced(_build(_overrides), ++_version), Self);

    /// <summary>A journaled override as the schedules read it; its value is "3e-4" (set) or "*0.5" (scale).</summary>
    public static ScheduleOverride ToOverride(ScheduleOverridden e)
    {
        var scale = e.Value.StartsWith('*');
        var text = $"{e.What}{(scale ? "*=" : "=")}{(scale ? e.Value[1..] : e.Value)}@{Math.Max(0, e.FromStep - 1)}";
        return ScheduleOverride.Parse(text);
    }

    /// <summary>Checks an operator's override before it is journaled: one line saying what is wrong.</summary>
    public static void Validate(string what, string value)
    {
        var scale = value.StartsWith('*');
        _ = ScheduleOverride.Parse($"{what}{(scale ? "*=" : "=")}{(scale ? value[1..] : value)}");
    }

    /// <summary>The journaled value of a scale by <paramref name="factor"/>.</summary>
    public static string Scale(double factor) => "*" + factor.ToString("R", CultureInfo.InvariantCulture);

}

/// <summary>Sent by the trainer: announcements go to it from now on (one at once).</summary>
public sealed record SubscribeSchedule;
