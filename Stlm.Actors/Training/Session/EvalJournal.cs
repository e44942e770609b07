using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

/// <summary>What an evaluation's journal answer means to the evaluators and the observer.</summary>
public static class EvalJournal
{
    /// <summary>
    /// Journaled → the observer hears <see cref="EvalEvent"/>; rechecked (the journal already holds
    /// these results, from before a resume) → nothing new to tell; refused → throws.
    /// Returns whether the journal holds the result.
    /// </summary>
    public static bool Report(RunReply reply, IActorRef reporter, IActorRef self)
    {
        switch (reply)
        {
            case RunAccepted a:
                reporter.Tell(new EvalEvent(a.State.Evals[^1]), self);
                return true;
            case StepRechecked:
                return true;
            case RunRejected r:
                throw new RunCommandRejectedException(r.Reason);
            default:
                throw new InvalidOperationException($"unexpected journal answer {reply}");
        }
    }
}
