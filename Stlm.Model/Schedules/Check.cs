using System.Globalization;

namespace Stlm.Model.Schedules;

/// <summary>One-line errors for schedule settings, each naming the full config key.</summary>
static class Check
{
    public static ScheduleConfigException Error(string section, string key, double value, string problem) =>
        new($"{section}.{key}", $"{section}.{key} = {Format(value)} {problem}", $"fix it in your --config file or with --set {section}.{key}=…");

    public static void Positive(string section, string key, double value)
    {
        if (!(value > 0) || !double.IsFinite(value)) throw Error(section, key, value, "must be a positive number");
    }

    public static void AtLeast(string section, string key, double value, double min)
    {
        if (!(value >= min) || !double.IsFinite(value)) throw Error(section, key, value, $"must be at least {Format(min)}");
    }

    /// <summary>Probabilities live in [0, 1): 1 would drop everything.</summary>
    public static void Probability(string section, string key, double value)
    {
        if (!(value >= 0 && value < 1)) throw Error(section, key, value, "must be a probability in [0, 1)");
    }

    public static string Format(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
