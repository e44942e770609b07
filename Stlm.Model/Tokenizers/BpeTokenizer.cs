using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// Byte-level BPE as in GPT-2: pre-tokenise with <see cref="PreTokenizer"/>, merge each piece's
/// UTF-8 bytes by rank with <see cref="BpeMerger"/>. Pieces repeat a lot in natural text, so
/// their ids are cached (thread-safe, bounded: cleared when it grows past the cache limit,
/// <see cref="DefaultCacheLimit"/> pieces unless told otherwise).
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    public const int DefaultCacheLimit = 1 << 20;
    const int MaxCachedPieceLength = 64;

    readonly ConcurrentDictionary<string, int[]> _cache = new(Environment.ProcessorCount, 1 << 14, StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    readonly int[] _byteLengths;
    readonly int _cacheLimit;
    int _cachedCount; // ConcurrentDictionary.Count takes every lock, too slow to ask per miss

    public BpeTokenizer(BpeVocabulary vocabulary, string name, int cacheLimit = DefaultCacheLimit)
    {
        _cacheLimit = cacheLimit;
        Vocabulary = vocabulary;
        Name = name;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteLengths = vocabulary.TokenBytes.Select(b => b.Length).ToArray();
        EndOfText = vocabulary.Specials.TryGetValue(Tokenizers.SpecialTokens.EndOfTextText, out var eot) ? eot : null;
    }

    public BpeVocabulary Vocabulary { get; }
    public string Name { get; }
    public int VocabSize => Vocabulary.Count;
    public int? EndOfText { get; }
    public IReadOnlyDictionary<string, int> SpecialTokens => Vocabulary.Specials;

    public int[] Encode(string text, bool allowSpecialTokens) =>
        allowSpecialTokens ? Tokenizers.SpecialTokens.EncodeWithSpecials(text, SpecialTokens, Encode) : Encode(text);

    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    public int[] Encode(string text)
    {
        var state = new EncodeState(this, text, new List<int>(text.Length / 3 + 1));
        PreTokenizer.Split(text, ref state, static (ref EncodeState s, int start, int length) =>
            s.Ids.AddRange(s.Tokenizer.EncodePiece(s.Text.AsSpan(start, length))));
        return state.Ids.ToArray();
    }

    readonly record struct EncodeState(BpeTokenizer Tokenizer, string Text, List<int> Ids);

    /// <summary>The ids of one pre-tokenised piece (no pre-tokenisation is applied to it); read-only, as it may be the cache's own array.</summary>
    public ReadOnlySpan<int> EncodePiece(ReadOnlySpan<char> piece)
    {
        if (piece.Length <= MaxCachedPieceLength && _cacheBySpan.TryGetValue(piece, out var cached))
            return cached;

        var byteCount = Encoding.UTF8.GetByteCount(piece);
        var rented = byteCount > 512 ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
        var bytes = rented is null ? stackalloc byte[byteCount] : rented.AsSpan(0, byteCount);
        Encoding.UTF8.GetBytes(piece, bytes);
        var ids = BpeMerger.Merge(Vocabulary, bytes);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);

        if (piece.Length <= MaxCachedPieceLength)
        {
            if (Interlocked.Increment(ref _cachedCount) > _cacheLimit)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cachedCount, 0);
            }
            _cacheBySpan.TryAdd(piece, ids);
        }
        return ids;
    }

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var total = 0;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_byteLengths.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"id {id} is outside the {Name} vocabulary of {VocabSize}");
            total += _byteLengths[id];
        }
        var bytes = new byte[total];
        var at = 0;
        foreach (var id in ids)
        {
            Vocabulary.TokenBytes[id].CopyTo(bytes, at);
            at += _byteLengths[id];
        }
        return bytes;
    }

    public int[] TokenByteLengths(ReadOnlySpan<int> ids)
    {
        var lengths = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
            lengths[i] = _byteLengths[ids[i]];
        return lengths;
    }
}
