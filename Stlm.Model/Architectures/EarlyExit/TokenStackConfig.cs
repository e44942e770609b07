namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline token model's parts that LayerSkip and mixture-of-depths keep unchanged: ids of
/// a <see cref="VocabSize"/> vocabulary embedded, the <see cref="Core"/> stack, its final norm
/// and the head (tied to the embedding unless <see cref="TieEmbeddings"/> is false).
/// </summary>
public sealed record TokenStackConfig(CoreStackConfig Core, int VocabSize = 50257, bool TieEmbeddings = true)
{
    public void Validate()
    {
        Core.Validate("model");
        if (VocabSize <= 0) throw new StlmException($"model: vocab-size must be positive, got {VocabSize}");
    }
}
