using Stlm.Model.Architectures;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Architectures.BytePooling;

public class BytePooledLossTests
{
    [Fact]
    public void The_training_loss_is_the_raw_decoder_nll_and_the_scorer_the_normalised_one_of_the_same_chunks()
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var (built, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.Config("byte-pooled", dir.Path, bpe));
        var model = (BytePooledLm)built;
        var ids = tokenizer.Encode("The cat saw a bird");                     // no token longer than max-token-bytes (4)
        Assert.All(tokenizer.TokenByteLengths(ids), n => Assert.InRange(n, 1, 4));
        var t = ids.Length - 1;
        var inputs = Torch.From(ids[..^1].Select(i => (long)i).ToArray(), 1, t);
        var targets = Torch.From(ids[1..].Select(i => (long)i).ToArray(), 1, t);
        var chunks = ByteChunker.Chunk(ids, tokenizer, model.MaxTokenBytes);

        model.Eval();
        double loss;
        using (Torch.NoGrad()) loss = model.Loss(inputs, targets).ToDouble();
        var scored = ScoringModels.For(model, tokenizer).LogLikelihood(tokenizer.Decode(ids[..1]), tokenizer.Decode(ids[1..]));

        Assert.Equal(t, scored.Units);
        Assert.Equal(-BytePooledReference.LogProb(model, chunks, 1, raw: true), loss * t, 4);
        Assert.Equal(BytePooledReference.LogProb(model, chunks, 1), scored.LogProb, 4);
        Assert.True(-scored.LogProb < loss * t, "normalising over possible chunks can only raise their probabilities");
    }
}
