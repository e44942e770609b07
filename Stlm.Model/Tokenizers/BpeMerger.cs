namespace Stlm.Model.Tokenizers;

/// <summary>
/// Applies a vocabulary's merges to the bytes of one pre-tokenised piece: repeatedly merge the
/// adjacent pair of lowest rank, the leftmost one on a tie, until no pair has a rank (the
/// order GPT-2's and tiktoken's encoders produce). Short pieces use a rank array rescanned
/// per merge; long ones (a run of thousands of spaces, a minified line) a heap, so the cost
/// stays n log n.
/// </summary>
public static class BpeMerger
{
    public const int HeapThreshold = 128;

    public static int[] Merge(BpeVocabulary vocabulary, ReadOnlySpan<byte> bytes) =>
        bytes.Length switch
        {
            0 => [],
            1 => [vocabulary.ByteIds[bytes[0]]],
            <= HeapThreshold => MergeByScan(vocabulary, bytes),
            _ => MergeByHeap(vocabulary, bytes),
        };

    internal static int[] MergeByScan(BpeVocabulary vocabulary, ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        Span<int> symbols = n <= 256 ? stackalloc int[n] : new int[n];
        Span<int> ranks = n <= 256 ? stackalloc int[n] : new int[n]; // ranks[i]: pair (i, i+1)
        for (var i = 0; i < n; i++)
            symbols[i] = vocabulary.ByteIds[bytes[i]];
        for (var i = 0; i + 1 < n; i++)
            ranks[i] = vocabulary.RankOf(symbols[i], symbols[i + 1]);

        while (n > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < n; i++)
                if (ranks[i] < bestRank) { bestRank = ranks[i]; best = i; }
            if (best < 0) break;

            symbols[best] = vocabulary.MergedId(bestRank);
            symbols[(best + 2)..n].CopyTo(symbols[(best + 1)..]);
            ranks[(best + 2)..n].CopyTo(ranks[(best + 1)..]);
            n--;
            if (best > 0) ranks[best - 1] = vocabulary.RankOf(symbols[best - 1], symbols[best]);
            if (best + 1 < n) ranks[best] = vocabulary.RankOf(symbols[best], symbols[best + 1]);
        }
        return symbols[..n].ToArray();
    }

    internal static int[] MergeByHeap(BpeVocabulary vocabulary, ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        var symbols = new int[n];
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            symbols[i] = vocabulary.ByteIds[bytes[i]];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        // An entry is (left position, rank << 32 | left position): lowest rank, then leftmost.
        var heap = new PriorityQueue<int, long>(n);
        void Offer(int left)
        {
            if (left < 0 || next[left] < 0) return;
            var rank = vocabulary.RankOf(symbols[left], symbols[next[left]]);
            if (rank != int.MaxValue) heap.Enqueue(left, ((long)rank << 32) | (uint)left);
        }
        for (var i = 0; i + 1 < n; i++)
            Offer(i);

        var count = n;
        while (heap.TryDequeue(out var left, out var priority))
        {
            var rank = (int)(priority >> 32);
            var right = alive[left] ? next[left] : -1;
            if (right < 0 || vocabulary.RankOf(symbols[left], symbols[right]) != rank)
                continue; // stale: one side was merged away since this entry was made
            symbols[left] = vocabulary.MergedId(rank);
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            count--;
            Offer(prev[left]);
            Offer(left);
        }

        var ids = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i])
            ids[k++] = symbols[i];
        return ids;
    }
}
