using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stlm.Model.Data;

/// <summary>One file of tokens: its name (relative to the manifest), how many tokens, its SHA-256.</summary>
public sealed record ShardFile(string File, long Tokens, string Sha256);

/// <summary>A source file the shards were made from, so a re-run can tell whether it changed.</summary>
public sealed record SourceFile(string Path, long Bytes, string Sha256);

/// <summary>
/// One split's shards and sizes. Documents: units of the held-out split (documents, or for a
/// plain text file its pieces). Bytes: UTF-8 bytes of the text the tokens encode, without the
/// end-of-text separators — what bits per byte divides by.
/// </summary>
public sealed record SplitInfo(long Documents, long Tokens, long Bytes, IReadOnlyList<ShardFile> Shards);

/// <summary>
/// What "stlm data prepare" wrote: the tokenizer, the dtype, the train and validation shards
/// and where they came from. It is written last and atomically, so a manifest on disk only
/// ever names complete shards.
/// </summary>
public sealed record ShardManifest
{
    public const string FileName = "manifest.json";
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;
    public required string Tokenizer { get; init; }
    public required int VocabSize { get; init; }
    /// <summary>See <see cref="Data.TokenizerFingerprint"/>: tells same-named tokenizers apart.</summary>
    public required string TokenizerFingerprint { get; init; }
    public int? EndOfText { get; init; }
    public required string DType { get; init; }
    public required string Format { get; init; }
    public string? JsonField { get; init; }
    public required double HeldOutFraction { get; init; }
    public required long ShardTokens { get; init; }
    public required IReadOnlyList<SourceFile> Sources { get; init; }
    public required SplitInfo Train { get; init; }
    public required SplitInfo Validation { get; init; }

    public long TotalTokens => Train.Tokens + Validation.Tokens;
    public long TotalBytes => Train.Bytes + Validation.Bytes;
    public long TotalDocuments => Train.Documents + Validation.Documents;

    [JsonIgnore] public TokenDType TokenDType => TokenDTypes.Parse(DType, FileName);

    public SplitInfo Split(DataSplit split) => split == DataSplit.Train ? Train : Validation;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), ToJson() + "\n");

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, FileName));

    public static ShardManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new StlmException($"{path} not found: prepare the data first with 'stlm data prepare --input FILE --out {directory}'");
        try
        {
            return JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), Json)
                   ?? throw new StlmException($"{path}: empty manifest: re-run 'stlm data prepare'");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{path}:{line + 1}" : path;
            throw new StlmException($"{where}: not a valid manifest ({e.Message.Split('.')[0]}): re-run 'stlm data prepare'");
        }
    }
}

public enum DataSplit { Train, Validation }
