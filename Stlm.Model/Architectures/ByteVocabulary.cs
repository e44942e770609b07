namespace Stlm.Model.Architectures;

/// <summary>
/// Ids of the byte-level models: 0–255 are the bytes themselves, 256 is one extra symbol whose
/// meaning depends on the place — padding in a chunk, "end of token" in the byte decoder's
/// targets, "start of patch" in MEGABYTE's local model. 257 embedding rows, 257 or 256 outputs.
/// </summary>
public static class ByteVocabulary
{
    public const int ByteCount = 256;
    public const int Extra = 256;
    public const int Pad = Extra;
    public const int EndOfChunk = Extra;
    public const int StartOfPatch = Extra;

    /// <summary>Rows of a byte embedding: the 256 bytes and the extra symbol.</summary>
    public const int EmbeddingRows = 257;

    /// <summary>The loss's ignore index (torch's default): positions after a chunk's end.</summary>
    public const long IgnoreIndex = -100;
}
