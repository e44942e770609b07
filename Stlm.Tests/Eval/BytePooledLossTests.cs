using Stlm.Model.Architectures;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Data;

namespace Stlm.Tests.Eval;

public class BytePooledLossTests
{
    [Fact]
    public void The_training_loss_times_the_targets_is_the_negative_log_likelihood_the_scorer_gives()
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var (built, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.Config("byte-pooled", dir.Path, bpe));
        var model = (BytePooledLanguageModel)built;
        var ids = tokenizer.Encode("The cat saw a bird");                     // no token longer than max-token-bytes (4)
        Assert.All(tokenizer.TokenByteLengths(ids), n => Assert.InRange(n, 1, 4));
        var t = ids.Length - 1;
        var inputs = Torch.From(ids[..^1].Select(i => (long)i).ToArray(), 1, t);
        var targets = Torch.From(ids[1..].Select(i => (long)i).ToArray(), 1, t);

        model.Module.Eval();
        double loss;
        using (Torch.NoGrad()) loss = model.Loss(inputs, targets).ToDouble();
        var scored = ScoringModels.For(model, tokenizer).LogLikelihood(tokenizer.Decode(ids[..1]), tokenizer.Decode(ids[1..]));

        Assert.Equal(t, scored.Units);
        Assert.Equal(-scored.LogProb, loss * t, 4);
    }
}
