using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Training;

/// <summary>
/// Bits per byte of a held-out split, estimated from its first windows in order (the same ones
/// every time, so evaluations along a run compare): the summed loss over the scored tokens,
/// credited with their share of the split's source bytes.
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
            using var _ = Torch.NoGrad();
            var windows = Math.Min(heldOut.WindowCount, (long)batches * batchSize);
            if (windows == 0)
                throw new StlmException($"the held-out split has no window of {heldOut.WindowLength} tokens; lower model.context-length or raise data.validation-fraction");
            double nll = 0;
            long tokens = 0;
            for (long start = 0; start < windows; start += batchSize)
            {
                var rows = (int)Math.Min(batchSize, windows - start);
                var ids = new int[rows * heldOut.WindowLength];
                for (var r = 0; r < rows; r++)
                    heldOut.ReadWindow(start + r, ids.AsSpan(r * heldOut.WindowLength, heldOut.WindowLength));
                var batch = MicroBatch.From(new TokenBatch(DataCursor.Start, DataCursor.Start, rows, heldOut.WindowLength, [], ids));
                using var scope = TorchScope.Begin();
                var (inputs, targets) = batch.ToTensors(module.Device);
                nll += model.Loss(inputs, targets).ToDouble() * batch.Tokens;
                tokens += batch.Tokens;
            }
            return BitsPerByte.FromSample(nll, tokens, heldOut.Tokens, heldOut.SourceBytes);
        }
        finally
        {
            module.Train(wasTraining);
        }
    }
}
