namespace Stlm.Model.Tokenizers;

/// <summary>
/// A byte-level BPE vocabulary: the bytes every id stands for, the id of each single byte,
/// the ordered merges (rank = line order in merges.txt) and the special tokens. Immutable.
/// </summary>
public sealed class BpeVocabulary
{
    readonly Dictionary<long, int> _rankOfPair;
    readonly int[] _mergedIdOfRank;

    public BpeVocabulary(IReadOnlyList<byte[]> tokenBytes, IReadOnlyList<(int Left, int Right)> merges, IReadOnlyDictionary<string, int> specials)
    {
        TokenBytes = tokenBytes;
        Specials = specials;
        Merges = merges;
        var idOfBytes = new Dictionary<string, int>(tokenBytes.Count);
        ByteIds = new int[256];
        Array.Fill(ByteIds, -1);
        var specialIds = specials.Values.ToHashSet();
        for (var id = 0; id < tokenBytes.Count; id++)
        {
            if (specialIds.Contains(id)) continue;
            idOfBytes.TryAdd(Key(tokenBytes[id]), id);
            if (tokenBytes[id].Length == 1 && ByteIds[tokenBytes[id][0]] < 0)
                ByteIds[tokenBytes[id][0]] = id;
        }
        var missing = Array.IndexOf(ByteIds, -1);
        if (missing >= 0)
            throw new StlmException($"BPE vocabulary has no token for byte 0x{missing:X2}: a byte-level vocabulary needs all 256 single bytes");

        _rankOfPair = new Dictionary<long, int>(merges.Count, PairKeyComparer.Instance);
        _mergedIdOfRank = new int[merges.Count];
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!idOfBytes.TryGetValue(Key(tokenBytes[left]) + Key(tokenBytes[right]), out var mergedId))
                throw new StlmException($"BPE merge #{rank + 1} ({ByteLevelAlphabet.Spell(tokenBytes[left])} {ByteLevelAlphabet.Spell(tokenBytes[right])}) makes a token missing from the vocabulary; the vocab and merges files do not belong together");
            _rankOfPair.TryAdd(PairKey(left, right), rank);
            _mergedIdOfRank[rank] = mergedId;
        }
    }

    /// <summary>The bytes of each id; a special token's entry holds its UTF-8 spelling.</summary>
    public IReadOnlyList<byte[]> TokenBytes { get; }

    /// <summary>The id of the one-byte token for each byte value.</summary>
    public int[] ByteIds { get; }

    public IReadOnlyList<(int Left, int Right)> Merges { get; }
    public IReadOnlyDictionary<string, int> Specials { get; }
    public int Count => TokenBytes.Count;

    /// <summary>The rank of merging <paramref name="left"/> then <paramref name="right"/>, or int.MaxValue if they never merge.</summary>
    public int RankOf(int left, int right) => _rankOfPair.TryGetValue(PairKey(left, right), out var rank) ? rank : int.MaxValue;

    public int MergedId(int rank) => _mergedIdOfRank[rank];

    static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>
    /// long's own hash is low ^ high, which for two small ids is at most 16 bits and collides for
    /// every pair with the same xor (slowing the merge loop ~10x); a multiplicative hash spreads them.
    /// </summary>
    internal sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();
        public bool Equals(long a, long b) => a == b;
        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }

    /// <summary>Bytes as a string of the same length (Latin-1 maps each byte to one char), for dictionary keys.</summary>
    static string Key(byte[] bytes) => System.Text.Encoding.Latin1.GetString(bytes);
}
