using System.Globalization;

namespace Stlm.Model.Schedules;

public enum OverrideMode { Set, Scale }

/// <summary>
/// An operator's change to a schedule from a step on (journaled as ScheduleOverridden, so a replay
/// sees it). Set replaces the schedule's value; Scale multiplies whatever the value is at that
/// point. What is one of <see cref="Names"/>: lr, dropout (p), layer-dropout (LayerSkip's p_max,
/// scaling every layer's rate) or exit-loss-scale (LayerSkip's e_scale).
/// </summary>
public sealed record ScheduleOverride(string What, long FromStep, double Value, OverrideMode Mode = OverrideMode.Set)
{
    public const string Lr = "lr", Dropout = "dropout", LayerDropout = "layer-dropout", ExitLossScale = "exit-loss-scale";

    public static readonly IReadOnlyList<string> Names = [Lr, Dropout, LayerDropout, ExitLossScale];

    /// <summary>True for the values that are probabilities, which must stay in [0, 1).</summary>
    public static bool IsProbability(string what) => what is Dropout or LayerDropout;

    /// <summary>
    /// Parses `name=value`, `name*=factor`, optionally followed by `@step` (e.g. `lr*=0.5@1200`);
    /// without `@step` the override starts at <paramref name="defaultFromStep"/>.
    /// </summary>
    public static ScheduleOverride Parse(string text, long defaultFromStep = 0)
    {
        var fromStep = defaultFromStep;
        var body = text.Trim();
        var at = body.LastIndexOf('@');
        if (at >= 0)
        {
            if (!long.TryParse(body[(at + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out fromStep))
                throw Bad(text, $"`{body[(at + 1)..]}` after @ is not a step number");
            body = body[..at];
        }
        var eq = body.IndexOf('=');
        if (eq <= 0) throw Bad(text, "expected name=value or name*=factor");
        var scale = body[eq - 1] == '*';
        var name = body[..(scale ? eq - 1 : eq)].Trim().ToLowerInvariant();
        var valueText = body[(eq + 1)..].Trim();
        if (!Names.Contains(name))
            throw Bad(text, $"unknown schedule `{name}`; use one of {string.Join(", ", Names)}");
        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw Bad(text, $"`{valueText}` is not a number");
        if (value < 0) throw Bad(text, $"{(scale ? "the factor" : name)} must not be negative");
        if (!scale && IsProbability(name) && value >= 1) throw Bad(text, $"{name} is a probability and must be below 1");
        return new ScheduleOverride(name, fromStep, value, scale ? OverrideMode.Scale : OverrideMode.Set);
    }

    static StlmException Bad(string text, string problem) =>
        new($"schedule override `{text}`: {problem} (e.g. lr=3e-4, lr*=0.5, dropout=0 or layer-dropout=0.1@1200)");

    public override string ToString() =>
        $"{What}{(Mode == OverrideMode.Scale ? "*=" : "=")}{Value.ToString("G", CultureInfo.InvariantCulture)}@{FromStep}";
}
