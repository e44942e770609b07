using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Session;

namespace Stlm.Actors.Cluster;

public sealed partial class RunEntity
{
    /// <summary>The session's events, for the control channel's answers (they come before the session is known).</summary>
    sealed class SessionEvents
    {
        readonly List<SessionEvent> _early = [];
        readonly Lock _gate = new();

        public SessionControlTarget? Target { get; private set; }

        public long Step { get; private set; }

        public void Observe(SessionEvent e)
        {
            lock (_gate)
            {
                if (e is StepEvent s) Step = s.Step.Step;
                if (Target is null) _early.Add(e);
                else Target.Observe(e);
            }
        }

        public SessionControlTarget Attach(TrainingSession session)
        {
            lock (_gate)
            {
                Target = new SessionControlTarget(session);
                foreach (var e in _early) Target.Observe(e);
                _early.Clear();
                return Target;
            }
        }
    }
}
