using Akka.Actor;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

// The trainer's states (Akka's Become):
//   Training   steps run (one TrainNext at a time), overrides are taken, a pause or the last step
//              begins finishing; a pending rollback holds steps back until it is journaled.
//   Finishing  no more steps: the last checkpoint is on its way, and the trainer waits until the
//              journal has answered every step, every checkpoint is committed and every
//              evaluation is in; overrides are refused. Pausing, completing and failing all
//              finish this way (Finish says which); a failure while finishing turns it into one.
//   Stopping   the ending (Paused, Completed or Failed) is being journaled.
//   Stopped    the session has been told; anything later is dropped.
public sealed partial class TrainerActor
{
    void Training()
    {
        Receive<TrainNext>(_ => OnTrainNext());
        Receive<StepBatch>(b =>
        {
            if (b.Generation != _generation) return;
            _startup?.Mark("first batch");
            _batches.Enqueue(b);
            Pump();
        });
        Receive<PauseTraining>(p => BeginFinish(new Finish(SessionEnd.Paused, p.Reason)));
        Receive<OverrideRequest>(OnOverride);
        AnswersInFlight();
    }

    void Finishing()
    {
        Receive<TrainNext>(_ => _posted = false);
        Receive<StepBatch>(_ => { });
        Receive<PauseTraining>(_ => { });
        Receive<OverrideRequest>(RefuseOverride);
        AnswersInFlight();
    }

    void Stopping()
    {
        Receive<FinalAnswer>(OnFinalAnswer);
        Receive<OverrideRequest>(RefuseOverride);
        ReceiveAny(_ => { });
    }

    void Stopped()
    {
        Receive<OverrideRequest>(RefuseOverride);
        ReceiveAny(_ => { });
    }

    /// <summary>What Training and Finishing both wait for: the answers to work already handed out.</summary>
    void AnswersInFlight()
    {
        Receive<ScheduleAnnounced>(s =>
        {
            _schedules = s;
            ReplayEarlyOverrides();
            Pump();
        });
        Receive<RunReply>(OnJournaled);
        Receive<CheckpointDone>(OnCheckpointDone);
        Receive<CheckpointFailed>(f =>
        {
            _checkpointsInFlight--;
            Fail($"checkpoint of step {f.Step} failed: {f.Reason}", journal: false);
        });
        Receive<EvalDone>(OnEvalDone);
        Receive<OverrideJournaled>(OnOverrideJournaled);
        Receive<OverrideRefused>(OnOverrideRefused);
        Receive<SkipJournaled>(OnSkipJournaled);
        Receive<RollbackJournaled>(OnRollbackJournaled);
        Receive<Status.Failure>(f => Fail(f.Cause.Message.ReplaceLineEndings(" "), journal: false));
    }
}
