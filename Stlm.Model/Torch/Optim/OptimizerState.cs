using System.Text.Json;

namespace Stlm.Model.LibTorch.Optim;

/// <summary>
/// The whole state of an optimizer: the small <see cref="Record"/> (kind, every group's
/// hyperparameters and size, each parameter's step count; JSON) plus the moment tensors, named
/// as torch's state_dict names them ("3.exp_avg", "3.exp_avg_sq", "0.momentum_buffer"), where
/// the number is the parameter's position across all groups. The tensors are copies owned by
/// the caller (registered in the current TorchScope).
/// </summary>
public sealed record OptimizerState(OptimizerRecord Record, IReadOnlyDictionary<string, Tensor> Tensors);

public sealed record OptimizerRecord(
    string Kind, IReadOnlyList<OptimizerOptions> Groups, IReadOnlyList<int> GroupSizes, IReadOnlyList<long> Steps)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static OptimizerRecord FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<OptimizerRecord>(json, Json)
                   ?? throw new StlmException("the optimizer record is empty (JSON null)");
        }
        catch (JsonException e)
        {
            throw new StlmException($"the optimizer record is not valid JSON at {e.Path}: {e.Message}");
        }
    }

    // Records compare lists by reference; a restored record should equal the one written.
    public bool Equals(OptimizerRecord? other) =>
        other is not null && Kind == other.Kind && Groups.SequenceEqual(other.Groups)
        && GroupSizes.SequenceEqual(other.GroupSizes) && Steps.SequenceEqual(other.Steps);

    public override int GetHashCode() => HashCode.Combine(Kind, Groups.Count, Steps.Count);
}
