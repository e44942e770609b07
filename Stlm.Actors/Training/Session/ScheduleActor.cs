using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.Session;

// The schedule actor's protocol.

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
/// Holds a run's schedules (TrainingRecipe.ScheduleSet) with the overrides the journal has, and
/// announces them to the trainer by message whenever they change. Journal steps are 1-based
/// (the RunActor's numbering); the schedules are 0-based in optimizer steps, so an override from
/// journal step N applies from schedule step N - 1.
/// <code>
/// var schedule = Context.ActorOf(ScheduleActor.Props(recipe.ScheduleSet, state.Overrides), "schedule");
/// schedule.Tell(new SubscribeSchedule(), trainer);   // the trainer gets ScheduleAnnounced (version 0)
/// schedule.Tell(new AddOverride(journaledEvent));    // the trainer gets the next version
/// </code>
/// </summary>
public sealed class ScheduleActor : ReceiveActor
{
    readonly Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> _build;
    readonly List<ScheduleOverride> _overrides;
    IActorRef? _trainer;
    int _version;

    public ScheduleActor(Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> build, IEnumerable<ScheduleOverridden> journaled)
    {
        _build = build;
        _overrides = [.. journaled.Select(ToOverride)];
        Receive<SubscribeSchedule>(_ =>
        {
            _trainer = Sender;
            _trainer.Tell(new ScheduleAnnounced(_build(_overrides), _version), Self);
        });
        Receive<AddOverride>(a =>
        {
            _overrides.Add(ToOverride(a.Event));
            Announce();
        });
    }

    public static Props Props(Func<IReadOnlyList<ScheduleOverride>, ScheduleSet> build, IEnumerable<ScheduleOverridden> journaled) =>
        Akka.Actor.Props.Create(() => new ScheduleActor(build, journaled.ToList()));

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
