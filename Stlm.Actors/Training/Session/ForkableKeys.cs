using System.Globalization;
using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// What a fork may change. A fork starts from its parent's checkpoint: its weights and AdamW
/// moments must load into the fork's model tensor for tensor, and its token ids mean what the
/// tokenizer says. So the keys that decide parameter shapes, their dtype or the tokenizer stay
/// the parent's; everything else (training.*, schedules.*, data.*, eval.*, checkpoint.*, session.*,
/// notes.* and the model's rates) may change.
/// </summary>
public static class ForkableKeys
{
    /// <summary>Sections (or keys) that fix the checkpoint's tensors and ids.</summary>
    static readonly string[] Fixed = ["model", "tokenizer", "torch.dtype"];

    /// <summary>Keys inside <see cref="Fixed"/> that change no tensor: rates, init (unused: weights are loaded), export ids.</summary>
    static readonly string[] Free =
    [
        "model.dropout", "model.init-std", "model.bos-token-id", "model.eos-token-id", "model.early-exit",
        "model.mixture-of-depths.capacity", "model.mixture-of-depths.aux-loss-weight",
    ];

    public static string Explanation =>
        $"a fork loads its parent's weights and optimizer state tensor for tensor, so it keeps the parameter shapes, their dtype and the tokenizer ({string.Join(", ", Fixed.Select(k => k.Contains('.') ? k : k + ".*"))}, " +
        $"except {string.Join(", ", Free.Select(k => k is "model.early-exit" ? k + ".*" : k))}); it may change training.*, schedules.*, data.*, eval.*, checkpoint.*, session.* and notes.*";

    /// <summary>The first key whose value differs between the parent's config and the fork's, or null.</summary>
    public static (string Key, string Parent, string Fork)? FirstChange(Config parent, Config fork)
    {
        foreach (var key in Fixed.SelectMany(k => Leaves(parent, k).Concat(Leaves(fork, k))).Distinct())
        {
            if (Free.Any(f => key == f || key.StartsWith(f + ".", StringComparison.Ordinal))) continue;
            var (a, b) = (Text(parent, key), Text(fork, key));
            if (!Same(a, b)) return (key, a ?? "(absent)", b ?? "(absent)");
        }
        return null;
    }

    /// <summary>Refuses, in one line, overrides that change a key a fork must keep.</summary>
    public static void Check(string parentRunId, Config parent, Config fork)
    {
        if (FirstChange(parent, fork) is { } change)
            throw new StlmException($"cannot fork {parentRunId} with {change.Key} = {change.Fork} (the parent has {change.Parent}): {Explanation}; " +
                                    "to train another shape or tokenizer, start a new run with stlm train");
    }

    static IEnumerable<string> Leaves(Config config, string path) => config.Find(ConfigPath.Parse(path)) switch
    {
        ConfigObject o => o.Fields.Keys.SelectMany(k => Leaves(config, $"{path}.{ConfigPath.RenderKey(k)}")),
        null => [],
        _ => [path],
    };

    static string? Text(Config config, string path) => config.Find(ConfigPath.Parse(path)) switch
    {
        null => null,
        ConfigString s => s.Value,
        ConfigNumber n => n.Text,
        ConfigBoolean b => b.Value ? "true" : "false",
        ConfigNull => "null",
        var v => Config.Empty.WithValue("v", v).ToJson(),
    };

    static bool Same(string? a, string? b) =>
        a == b || (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                   && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y) && x == y);
}
