using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Training;

/// <summary>
/// Bits per byte of a held-out split, estimated from its first windows in order (the same ones
/// every time, so evaluations along a run compare): the summed loss over the scored tokens,
/// credited with their share of the split's source bytes. The sum runs batch by batch in order,
/// so batches scored apart (on other nodes) and added in the same order give the same bits.
/// </summary>
public static class HeldOutEvaluation
{
    public static BitsPerByte Run(ILanguageModel model, TokenDataset heldOut, int batches, int batchSize)
    {
        var module = model.Module;
        var wasTraining = module.Training;
        module.Eval();
        try
        {
            var windows = Windows(heldOut, batches, batchSize);
            double nll = 0;
            long tokens = 0;
            for (long start = 0; start < windows; start += batchSize)
            {
                var rows = (int)Math.Min(batchSize, windows - start);
                var (batchNll, batchTokens) = ScoreBatch(model, ReadWindows(heldOut, start, rows), rows, heldOut.WindowLength);
                nll += batchNll;
                tokens += batchTokens;
            }
            return BitsPerByte.FromSample(nll, tokens, heldOut.Tokens, heldOut.SourceBytes);
        }
        finally
        {
            module.Train(wasTraining);
        }
    }

    /// <summary>How many windows an evaluation of <paramref name="batches"/> × <paramref name="batchSize"/> scores (at least one, or a one-line error).</summary>
    public static long Windows(TokenDataset heldOut, int batches, int batchSize)
    {
        var windows = Math.Min(heldOut.WindowCount, (long)batches * batchSize);
        if (windows == 0)
            throw new StlmException($"the held-out split has no window of {heldOut.WindowLength} tokens; lower model.context-length or raise data.validation-fraction");
        return windows;
    }

    /// <summary>The token ids of windows [from, from + rows), row after row.</summary>
    public static int[] ReadWindows(TokenDataset heldOut, long from, int rows)
    {
        var ids = new int[rows * heldOut.WindowLength];
        for (var r = 0; r < rows; r++)
            heldOut.ReadWindow(from + r, ids.AsSpan(r * heldOut.WindowLength, heldOut.WindowLength));
        return ids;
    }

    /// <summary>One batch's summed loss in nats (mean loss × tokens) and its token count; the model must be in eval mode.</summary>
    public static (double Nll, long Tokens) ScoreBatch(ILanguageModel model, int[] ids, int rows, int windowLength)
    {
        using var _ = Torch.NoGrad();
        var batch = MicroBatch.From(new TokenBatch(DataCursor.Start, DataCursor.Start, rows, windowLength, [], ids));
        using var scope = TorchScope.Begin();
        var (inputs, targets) = batch.ToTensors(model.Module.Device);
        return (model.Loss(inputs, targets).ToDouble() * batch.Tokens, batch.Tokens);
    }
}
