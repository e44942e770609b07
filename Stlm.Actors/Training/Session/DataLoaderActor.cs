using Akka.Actor;
using Akka.Event;
using Stlm.Model.Data;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

// The data loader's protocol. Hears: LoadFrom, BatchesWanted (trainer). Says: StepBatch (to
// the trainer). Persists nothing (batches are a pure function of the config and the cursor).

/// <summary>Start (or restart, on resume and rollback) the stream at a cursor; batches of an older generation are stale.</summary>
public sealed record LoadFrom(DataCursor Cursor, int Generation);

/// <summary>The trainer took <paramref name="Count"/> batches: prepare as many more.</summary>
public sealed record BatchesWanted(int Count, int Generation);

/// <summary>One optimizer step's micro-batches, read at <paramref name="From"/>; the next step's data starts at <paramref name="Next"/>.</summary>
public sealed record StepBatch(DataCursor From, DataCursor Next, IReadOnlyList<MicroBatch> MicroBatches, int Generation);

/// <summary>
/// Reads step batches ahead of the trainer on its own thread (<c>WithDedicatedThread</c>), in the
/// sampler's deterministic order (<see cref="StepBatches.Read"/>): after <see cref="LoadFrom"/>
/// it sends <c>prefetch</c> batches, then one more for each one the trainer reports taken, so at
/// most <c>prefetch</c> batches wait in the trainer's queue. Every batch carries its cursors.
/// <code>
/// var loader = Context.ActorOf(DataLoaderActor.Props(() => recipe.Batches(TokenDataset.Open(...)), prefetch: 2), "data");
/// loader.Tell(new LoadFrom(cursor, generation: 1));      // from the trainer: batches come back to it
/// </code>
/// </summary>
public sealed class DataLoaderActor : ReceiveActor
{
    readonly Func<StepBatches> _open;
    readonly int _prefetch;
    StepBatches? _batches;
    DataCursor _cursor = DataCursor.Start;
    int _generation = -1;
    IActorRef? _consumer;

    public DataLoaderActor(Func<StepBatches> open, int prefetch)
    {
        _open = open;
        _prefetch = prefetch;
        Receive<LoadFrom>(l =>
        {
            _cursor = l.Cursor;
            _generation = l.Generation;
            _consumer = Sender;
            Produce(_prefetch);
        });
        Receive<BatchesWanted>(w =>
        {
            if (w.Generation == _generation) Produce(w.Count);
        });
    }

    public static Props Props(Func<StepBatches> open, int prefetch) =>
        Akka.Actor.Props.Create(() => new DataLoaderActor(open, prefetch)).WithDispatcher(Persistence.StlmAkka.PinnedDispatcher);

    protected override void PreStart() => _batches = _open();

    protected override void PostStop() => _batches?.Data.Dispose();

    void Produce(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var from = _cursor;
            var (micro, next) = _batches!.Read(from);
            _cursor = next;
            _consumer!.Tell(new StepBatch(from, next, micro, _generation), Self);
        }
    }
}
