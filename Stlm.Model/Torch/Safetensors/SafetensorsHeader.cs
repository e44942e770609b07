using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// The parsed and validated header of a safetensors file: its tensors in data order and its
/// string metadata. Parse checks everything the reference reader checks, so a header that
/// passes describes a data buffer covered exactly once, with no gaps and nothing after it.
/// </summary>
public sealed record SafetensorsHeader(ImmutableArray<SafetensorsTensorInfo> Tensors, ImmutableSortedDictionary<string, string> Metadata)
{
    /// <summary>Headers bigger than this are refused before anything is allocated (the reference cap).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Validates the 8-byte length prefix against the file size; returns the header length.</summary>
    public static int CheckPrefix(string source, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (fileLength < 8)
            throw new SafetensorsException(source, SafetensorsProblem.HeaderTooSmall,
                $"the file has {fileLength} bytes, fewer than the 8-byte header length");
        var n = BitConverter.ToUInt64(prefix[..8]);
        if (!BitConverter.IsLittleEndian) n = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(n);
        if (n > MaxHeaderBytes)
            throw new SafetensorsException(source, SafetensorsProblem.HeaderTooLarge,
                $"the header length {n} exceeds the {MaxHeaderBytes}-byte cap");
        if (n < 2)
            throw new SafetensorsException(source, SafetensorsProblem.HeaderTooSmall,
                $"the header length {n} is too small to hold a JSON object");
        if ((long)n > fileLength - 8)
            throw new SafetensorsException(source, SafetensorsProblem.HeaderBeyondFile,
                $"the header length {n} runs past the end of the {fileLength}-byte file");
        return (int)n;
    }

    /// <summary>Parses header JSON and checks it against a data buffer of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(string source, ReadOnlySpan<byte> json, long dataLength)
    {
        if (json.IsEmpty)
            throw new SafetensorsException(source, SafetensorsProblem.HeaderTooSmall, "the header is empty");
        try { new UTF8Encoding(false, true).GetCharCount(json); }
        catch (DecoderFallbackException)
        {
            throw new SafetensorsException(source, SafetensorsProblem.HeaderNotUtf8, "the header is not valid UTF-8");
        }
        if (json[0] != (byte)'{')
            throw new SafetensorsException(source, SafetensorsProblem.HeaderStart, "the header does not start with '{'");

        var (tensors, metadata) = ReadJson(source, json);
        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToImmutableArray();
        CheckCoverage(source, ordered, dataLength);
        return new SafetensorsHeader(ordered, metadata);
    }

    static (List<SafetensorsTensorInfo>, ImmutableSortedDictionary<string, string>) ReadJson(string source, ReadOnlySpan<byte> json)
    {
        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            reader.Read();
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!names.Add(name))
                    throw new SafetensorsException(source, SafetensorsProblem.DuplicateName, $"the name '{name}' appears twice in the header");
                reader.Read();
                if (name == MetadataKey) metadata = ReadMetadata(source, ref reader);
                else tensors.Add(ReadTensor(source, name, ref reader));
            }
            if (reader.Read())
                throw new SafetensorsException(source, SafetensorsProblem.HeaderNotJson, "the header holds more than one JSON value");
        }
        catch (JsonException e)
        {
            throw new SafetensorsException(source, SafetensorsProblem.HeaderNotJson, $"the header is not valid JSON ({e.Message})");
        }
        return (tensors, metadata);
    }

    static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("unexpected end of the header");
        return reader.TokenType;
    }

    static ImmutableSortedDictionary<string, string> ReadMetadata(string source, ref Utf8JsonReader reader)
    {
        var map = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (reader.TokenType == JsonTokenType.Null) return map.ToImmutable();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Shape(source, $"'{MetadataKey}' must be an object of strings");
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
                throw Shape(source, $"'{MetadataKey}' value of '{key}' must be a string");
            if (!map.TryAdd(key, reader.GetString()!))
                throw new SafetensorsException(source, SafetensorsProblem.DuplicateName, $"the metadata key '{key}' appears twice");
        }
        return map.ToImmutable();
    }

    static SafetensorsTensorInfo ReadTensor(string source, string name, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Shape(source, $"tensor '{name}' must be an object with dtype, shape and data_offsets");
        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var field = reader.GetString();
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String) throw Shape(source, $"tensor '{name}': dtype must be a string");
                    dtypeName = reader.GetString();
                    break;
                case "shape":
                    shape = ReadIntegers(source, name, "shape", ref reader);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(source, name, "data_offsets", ref reader);
                    break;
                default:
                    reader.Skip(); // unknown fields are ignored, as by the reference reader
                    break;
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw Shape(source, $"tensor '{name}' lacks {(dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw new SafetensorsException(source, SafetensorsProblem.UnknownDType, $"tensor '{name}' has the unknown dtype '{dtypeName}'");
        if (offsets.Length != 2)
            throw Shape(source, $"tensor '{name}': data_offsets must be [begin, end]");
        return new SafetensorsTensorInfo(name, dtype, [.. shape], offsets[0], offsets[1]);
    }

    static long[] ReadIntegers(string source, string name, string field, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Shape(source, $"tensor '{name}': {field} must be an array");
        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var v) || v < 0)
                throw new SafetensorsException(source, field == "shape" ? SafetensorsProblem.InvalidShape : SafetensorsProblem.HeaderShape,
                    $"tensor '{name}': {field} must hold non-negative integers below 2^63, found {Encoding.UTF8.GetString(reader.ValueSpan)}");
            values.Add(v);
        }
        return [.. values];
    }

    static void CheckCoverage(string source, ImmutableArray<SafetensorsTensorInfo> ordered, long dataLength)
    {
        long expected = 0;
        string? previous = null;
        foreach (var t in ordered)
        {
            if (t.End < t.Begin)
                throw new SafetensorsException(source, SafetensorsProblem.OffsetsOutOfOrder,
                    $"tensor '{t.Name}' ends (byte {t.End}) before it begins (byte {t.Begin})");
            if (t.Begin < expected)
                throw new SafetensorsException(source, SafetensorsProblem.Overlap,
                    $"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps tensor '{previous}' which ends at byte {expected}");
            if (t.Begin > expected)
                throw new SafetensorsException(source, SafetensorsProblem.Gap,
                    $"{t.Begin - expected} bytes before tensor '{t.Name}' belong to no tensor (a gap at byte {expected})");
            var size = t.DType.ByteCount(t.Shape.AsSpan());
            if (size is null)
                throw new SafetensorsException(source, SafetensorsProblem.InvalidShape,
                    $"tensor '{t.Name}' of shape {t.ShapeText} and dtype {t.DType.Name()} has no whole byte size (overflow or partial byte)");
            if (size != t.ByteCount)
                throw new SafetensorsException(source, SafetensorsProblem.SizeMismatch,
                    $"tensor '{t.Name}' spans {t.ByteCount} bytes but dtype {t.DType.Name()} x shape {t.ShapeText} needs {size}");
            expected = t.End;
            previous = t.Name;
        }
        if (expected < dataLength)
            throw new SafetensorsException(source, SafetensorsProblem.TrailingBytes,
                $"{dataLength - expected} trailing bytes follow the last tensor");
        if (expected > dataLength)
            throw new SafetensorsException(source, SafetensorsProblem.Truncated,
                $"the tensors need {expected} data bytes but the file holds {dataLength}");
    }

    static SafetensorsException Shape(string source, string detail) => new(source, SafetensorsProblem.HeaderShape, detail);
}
