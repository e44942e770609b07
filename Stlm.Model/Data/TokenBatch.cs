namespace Stlm.Model.Data;

/// <summary>
/// A batch of windows, row-major [BatchSize, WindowLength] token ids: inputs are a row's first
/// WindowLength − 1 ids, targets its last. It carries the cursor it was read at and the one
/// after it, so whoever consumes it knows exactly where to resume.
/// </summary>
public sealed record TokenBatch(DataCursor Cursor, DataCursor Next, int BatchSize, int WindowLength, long[] Windows, int[] Tokens)
{
    public ReadOnlySpan<int> Row(int i) => Tokens.AsSpan(i * WindowLength, WindowLength);

    public ReadOnlySpan<int> Inputs(int i) => Row(i)[..^1];

    public ReadOnlySpan<int> Targets(int i) => Row(i)[1..];

    /// <summary>All inputs, [BatchSize, WindowLength − 1], widened for an int64 embedding lookup.</summary>
    public long[] InputsInt64() => Gather(0);

    /// <summary>All targets, [BatchSize, WindowLength − 1].</summary>
    public long[] TargetsInt64() => Gather(1);

    long[] Gather(int shift)
    {
        var context = WindowLength - 1;
        var result = new long[BatchSize * context];
        for (var b = 0; b < BatchSize; b++)
            for (var t = 0; t < context; t++)
                result[b * context + t] = Tokens[b * WindowLength + t + shift];
        return result;
    }
}
