namespace Stlm.Model.Data;

/// <summary>
/// A keyed bijection of [0, n) computed one element at a time: a balanced Feistel network over
/// the smallest even number of bits that covers n, with "cycle walking" (re-encrypt until the
/// value falls below n). It needs no table, so the i-th element of a shuffle of billions of
/// windows costs a few hashes, and any element can be computed without the ones before it.
/// </summary>
public sealed class FeistelPermutation
{
    const int Rounds = 6;
    readonly ulong[] roundKeys = new ulong[Rounds];
    readonly int halfBits;
    readonly ulong halfMask;

    public FeistelPermutation(long size, ulong key)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), "a permutation needs at least one element");
        Size = size;
        var bits = 64 - ulong.LeadingZeroCount((ulong)(size - 1));
        halfBits = Math.Max(1, (int)(bits + 1) / 2);
        halfMask = (1UL << halfBits) - 1;
        var state = key;
        for (var r = 0; r < Rounds; r++) roundKeys[r] = SplitMix64.Next(ref state);
    }

    public long Size { get; }

    /// <summary>The element at <paramref name="index"/> of the permuted order.</summary>
    public long this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)Size) throw new ArgumentOutOfRangeException(nameof(index));
            var x = (ulong)index;
            // Walking stays inside [0, Size): the network permutes [0, 4^halfBits) ⊇ [0, Size),
            // so following the cycle from an element below Size reaches another below Size.
            do x = Encrypt(x); while (x >= (ulong)Size);
            return (long)x;
        }
    }

    ulong Encrypt(ulong x)
    {
        ulong left = x >> halfBits, right = x & halfMask;
        foreach (var k in roundKeys)
            (left, right) = (right, left ^ (SplitMix64.Mix(right ^ k) & halfMask));
        return (left << halfBits) | right;
    }
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed 64-bit generator and hash.</summary>
public static class SplitMix64
{
    public static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
