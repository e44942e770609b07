namespace Stlm.Model.Tokenizers;

/// <summary>
/// Learns a byte-level BPE vocabulary from text with GPT-2's pre-tokenisation, so the result
/// loads into <see cref="BpeTokenizer"/> like GPT-2's own files.
/// Layout: ids 0–255 are the single bytes (id = byte value), then one id per merge in the order
/// learned, then "&lt;|endoftext|&gt;" last; <c>vocabSize</c> counts all of them.
/// Each step merges the most frequent adjacent pair; a tie goes to the pair with the smaller
/// left id, then the smaller right id, so training is deterministic. Pair counts are kept up
/// to date incrementally: a merge revisits only the words that contain the merged pair.
/// "&lt;|endoftext|&gt;" in the corpus separates documents and is not learned from.
/// </summary>
public static class BpeTrainer
{
    public const int MinVocabSize = 257;

    public static BpeVocabulary Train(IEnumerable<string> chunks, int vocabSize, Action<string>? progress = null)
    {
        if (vocabSize < MinVocabSize)
            throw new StlmException($"vocabulary size {vocabSize} is too small: a byte-level BPE needs {MinVocabSize} (256 bytes + end-of-text) or more");
        var pieceCounts = CountPieces(chunks);
        progress?.Invoke($"{pieceCounts.Count} distinct pieces; learning {vocabSize - MinVocabSize} merges");
        return new PairMerging(pieceCounts, vocabSize, progress).Run();
    }

    static Dictionary<string, long> CountPieces(IEnumerable<string> chunks)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var chunk in chunks)
            foreach (var document in chunk.Split(SpecialTokens.EndOfTextText))
            {
                var state = bySpan;
                PreTokenizer.Split(document, ref state, (ref Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup, int start, int length) =>
                {
                    var piece = document.AsSpan(start, length);
                    lookup[piece] = lookup.TryGetValue(piece, out var n) ? n + 1 : 1;
                });
            }
        return counts;
    }

    /// <summary>The state of one training run: words as symbol lists, pair counts and where pairs occur.</summary>
    sealed class PairMerging
    {
        readonly List<int[]> _words = [];
        readonly List<long> _wordCounts = [];
        readonly Dictionary<long, long> _pairCounts = new(BpeVocabulary.PairKeyComparer.Instance);
        readonly Dictionary<long, HashSet<int>> _wordsWithPair = new(BpeVocabulary.PairKeyComparer.Instance);
        readonly PriorityQueue<long, (long Count, long Pair)> _heap = new(Comparer<(long Count, long Pair)>.Create(
            (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : a.Pair.CompareTo(b.Pair)));
        readonly List<byte[]> _tokenBytes = [];
        readonly Dictionary<string, int> _idOfBytes = [];
        readonly List<(int, int)> _merges = [];
        readonly int _vocabSize;
        readonly Action<string>? _progress;

        public PairMerging(Dictionary<string, long> pieceCounts, int vocabSize, Action<string>? progress)
        {
            _vocabSize = vocabSize;
            _progress = progress;
            for (var b = 0; b < 256; b++)
                AddToken([(byte)b]);
            foreach (var (piece, count) in pieceCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var word = System.Text.Encoding.UTF8.GetBytes(piece).Select(b => (int)b).ToArray();
                _words.Add(word);
                _wordCounts.Add(count);
                CountPairs(_words.Count - 1);
            }
            foreach (var (pair, count) in _pairCounts)
                _heap.Enqueue(pair, (count, pair));
        }

        public BpeVocabulary Run()
        {
            var target = _vocabSize - 1; // the last id is end-of-text
            var lastReport = Environment.TickCount64;
            while (_tokenBytes.Count < target && NextPair() is { } pair)
            {
                var (left, right) = Unpack(pair);
                var merged = AddToken([.. _tokenBytes[left], .. _tokenBytes[right]]);
                _merges.Add((left, right));
                ApplyMerge(pair, left, right, merged);
                if (_progress is not null && Environment.TickCount64 - lastReport > 1000)
                {
                    lastReport = Environment.TickCount64;
                    _progress($"{_tokenBytes.Count}/{_vocabSize} tokens");
                }
            }
            var specialId = _tokenBytes.Count;
            _tokenBytes.Add(System.Text.Encoding.UTF8.GetBytes(SpecialTokens.EndOfTextText));
            return new BpeVocabulary(_tokenBytes, _merges, new Dictionary<string, int> { [SpecialTokens.EndOfTextText] = specialId });
        }

        /// <summary>The most frequent live pair (ties: smaller left id, then right id), skipping stale heap entries.</summary>
        long? NextPair()
        {
            while (_heap.TryDequeue(out var pair, out var priority))
                if (_pairCounts.TryGetValue(pair, out var count) && count == priority.Count && count > 0)
                    return pair;
            return null;
        }

        void ApplyMerge(long pair, int left, int right, int merged)
        {
            var touched = new HashSet<long>(BpeVocabulary.PairKeyComparer.Instance);
            foreach (var w in _wordsWithPair[pair].Order())
                if (Contains(_words[w], left, right))
                    MergeInWord(w, left, right, merged, touched);
            _pairCounts.Remove(pair); // no (left, right) is left anywhere
            _wordsWithPair.Remove(pair);
            foreach (var p in touched)
                if (_pairCounts.TryGetValue(p, out var count) && count > 0)
                    _heap.Enqueue(p, (count, p));
        }

        /// <summary>
        /// Merges every (left, right) in one word, left to right, and moves the counts of only the
        /// pairs around each merge: (prev, left) becomes (prev, merged), (right, next) becomes
        /// (merged, next). Overlaps work out: in "A B A B" the (AB, A) added by the first merge is
        /// taken away again by the second.
        /// </summary>
        void MergeInWord(int w, int left, int right, int merged, HashSet<long> touched)
        {
            var word = _words[w];
            var count = _wordCounts[w];
            var result = new List<int>(word.Length);
            for (var i = 0; i < word.Length; i++)
            {
                if (i + 1 < word.Length && word[i] == left && word[i + 1] == right)
                {
                    if (result.Count > 0)
                    {
                        AddCount(Pack(result[^1], left), -count, w, touched);
                        AddCount(Pack(result[^1], merged), count, w, touched);
                    }
                    if (i + 2 < word.Length)
                    {
                        AddCount(Pack(right, word[i + 2]), -count, w, touched);
                        AddCount(Pack(merged, word[i + 2]), count, w, touched);
                    }
                    result.Add(merged);
                    i++;
                }
                else result.Add(word[i]);
            }
            _words[w] = result.ToArray();
        }

        void CountPairs(int w)
        {
            var word = _words[w];
            for (var i = 0; i + 1 < word.Length; i++)
                AddCount(Pack(word[i], word[i + 1]), _wordCounts[w], w, null);
        }

        void AddCount(long pair, long delta, int w, HashSet<long>? touched)
        {
            var total = _pairCounts.GetValueOrDefault(pair) + delta;
            if (total == 0) _pairCounts.Remove(pair); else _pairCounts[pair] = total;
            touched?.Add(pair);
            if (delta > 0)
            {
                if (!_wordsWithPair.TryGetValue(pair, out var set))
                    _wordsWithPair[pair] = set = [];
                set.Add(w);
            }
        }

        int AddToken(byte[] bytes)
        {
            var key = Convert.ToHexString(bytes);
            if (_idOfBytes.TryGetValue(key, out var existing))
                return existing; // two merge orders can spell the same bytes: one token for both
            _tokenBytes.Add(bytes);
            return _idOfBytes[key] = _tokenBytes.Count - 1;
        }

        static bool Contains(int[] word, int left, int right)
        {
            for (var i = 0; i + 1 < word.Length; i++)
                if (word[i] == left && word[i + 1] == right) return true;
            return false;
        }

        static long Pack(int left, int right) => ((long)left << 32) | (uint)right;
        static (int, int) Unpack(long pair) => ((int)(pair >> 32), (int)(uint)pair);
    }
}
