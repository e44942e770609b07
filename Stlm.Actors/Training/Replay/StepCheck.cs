using System.Globalization;
using Stlm.Actors.Training.Run;
using DataCursor = Stlm.Model.Data.DataCursor;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// A re-executed step against its journaled StepCompleted: the loss bit for bit (DESIGN.md §5.3),
/// then the values that decide the rest of the run — learning rate, dropout, tokens, the gradient
/// norm, the data cursor after the step. Null when everything agrees.
/// </summary>
public static class StepCheck
{
    public static StepMismatch? Compare(StepCompleted journaled, StepResult recomputed, DataCursor cursorAfter, long step)
    {
        if (!SameBits(journaled.Loss, recomputed.Loss)) return Bits(step, "loss", journaled.Loss, recomputed.Loss);
        if (!SameBits(journaled.Lr, recomputed.LearningRate)) return Bits(step, "lr", journaled.Lr, recomputed.LearningRate);
        if (!SameBits(journaled.Dropout, recomputed.Dropout)) return Bits(step, "dropout", journaled.Dropout, recomputed.Dropout);
        if (!SameBits(journaled.GradNorm, recomputed.GradNorm)) return Bits(step, "grad norm", journaled.GradNorm, recomputed.GradNorm);
        if (journaled.Tokens != recomputed.Tokens)
            return new StepMismatch(step, "tokens", Int(journaled.Tokens), Int(recomputed.Tokens));
        if (journaled.Cursor is { } c && (c.Epoch != cursorAfter.Epoch || c.Position != cursorAfter.Position))
            return new StepMismatch(step, "data cursor", $"epoch {c.Epoch}, position {c.Position}", cursorAfter.ToString());
        return null;
    }

    public static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    /// <summary>The shortest text that round-trips, with the bits when two values print alike.</summary>
    public static string Number(double value) =>
        $"{value.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.DoubleToInt64Bits(value):x16})";

    static StepMismatch Bits(long step, string field, double journaled, double recomputed) =>
        new(step, field, Number(journaled), Number(recomputed));

    static string Int(long v) => v.ToString(CultureInfo.InvariantCulture);
}
