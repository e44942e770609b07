using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>Stlm's side of `stlm bench train`: a Llama preset trained through <see cref="TrainStep"/> on random tokens.</summary>
public sealed class StlmTrainer : IDisposable
{
    readonly ModelConfig config;
    readonly int batch, context;
    readonly AdamW optimizer;
    readonly TrainStep step;
    readonly Random random = new(1);
    readonly EarlyExitPolicy policy = new([], []);
    long steps;

    /// <param name="fusedHead">false: the loss goes through the full logits (the unfused path), to measure what fusing gains.</param>
    public StlmTrainer(ModelConfig config, int batch, int context, Precision precision, bool fusedHead = true)
    {
        (this.config, this.batch, this.context) = (config, batch, context);
        Torch.ManualSeed(0);
        var llama = new LlamaForCausalLM(config, 0);
        Parameters = llama.CountParameters().Total;
        optimizer = TrainStep.AdamWFor(llama, new AdamWOptions(Lr: 6e-4, Beta2: 0.95, WeightDecay: 0.1));
        ILanguageModel model = fusedHead ? llama : new LossThroughLogits(llama);
        step = new TrainStep(model, optimizer, new TrainStepOptions(1, 1.0, precision));
    }

    public long Parameters { get; }

    /// <summary>One optimizer step on a fresh random batch; its wall time in seconds (batch creation excluded, as in the reference).</summary>
    public double Step()
    {
        var ids = new long[batch * (context + 1)];
        for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(config.VocabSize);
        var inputs = new long[batch * context];
        var targets = new long[batch * context];
        for (var r = 0; r < batch; r++)
        {
            Array.Copy(ids, r * (context + 1), inputs, r * context, context);
            Array.Copy(ids, r * (context + 1) + 1, targets, r * context, context);
        }
        var result = step.Run(new ScheduleValues(steps++, 6e-4, 0, policy), [new MicroBatch(batch, context, inputs, targets)]);
        return result.Elapsed.TotalSeconds;
    }

    public void Dispose() => optimizer.Dispose();

    /// <summary>The Llama trained through its full logits, so the loss cannot fuse the head.</summary>
    sealed class LossThroughLogits(LlamaForCausalLM llama) : ILanguageModel
    {
        public Model.Nn.Module Module => llama;

        public Tensor Loss(Tensor inputs, Tensor targets)
        {
            using var scope = TorchScope.Begin();
            return scope.Keep(LanguageModelLoss.CrossEntropy(llama.Forward(inputs), targets));
        }
    }
}
