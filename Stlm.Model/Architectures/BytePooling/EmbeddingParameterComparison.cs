using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Architectures;

/// <summary>
/// The paper's claim for the byte-level tokenizer, measured: parameters outside the core
/// ("embedding + head") of the byte-pooled model against a BPE token model with the same core,
/// its head tied to the embedding or not. Both sides are counted on built models.
/// </summary>
public sealed record EmbeddingParameterComparison(long BytePooled, long Core, long BpeTied, long BpeUntied, int BpeVocabSize)
{
    /// <summary>Fraction of the tied BPE embedding saved (the paper claims 0.90–0.95).</summary>
    public double ReductionVsTied => 1 - (double)BytePooled / BpeTied;
    public double ReductionVsUntied => 1 - (double)BytePooled / BpeUntied;

    /// <summary>The byte-pooled model of the model section against BPE models of <paramref name="bpeVocabSize"/> tokens.</summary>
    public static EmbeddingParameterComparison Measure(ModelConfig config, int bpeVocabSize)
    {
        // Boundaries do not change the parameters; any tokenizer will do for counting.
        var bytePooled = new BytePooledLm(config, new ByteTokenizer(), seed: 0);
        // What a BPE model adds to the same core: its token embedding and, untied, its head
        // (built, not initialised: counting needs the shapes only).
        var embedding = new Embedding(bpeVocabSize, config.DModel).CountParameters().Total;
        var head = new Linear(config.DModel, bpeVocabSize, ParameterGroup.Head).CountParameters().Total;
        return new EmbeddingParameterComparison(bytePooled.EmbeddingAndHeadParameters, bytePooled.Model.CountParameters().Total,
            embedding, embedding + head, bpeVocabSize);
    }

    public override string ToString() =>
        $"core {Core:N0}; embedding + head: byte-pooled {BytePooled:N0} vs BPE({BpeVocabSize}) {BpeTied:N0} tied " +
        $"({ReductionVsTied:P1} fewer) / {BpeUntied:N0} untied ({ReductionVsUntied:P1} fewer)";
}
