using System.Text.Json;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Tests.Model.LibTorch.Optim;

/// <summary>
/// Trajectories recorded once with PyTorch 1.13 (Fixtures/Optim/generate.py): start values,
/// the gradient given at each step, the lr of each group at each step, and the values after.
/// </summary>
sealed record TorchTrajectory(float[][] Start, float[][][] Grads, float[][][] After, double[][]? Lrs)
{
    public static TorchTrajectory Load(string name)
    {
        var root = Reference.RootElement.GetProperty("cases").GetProperty(name);
        return new TorchTrajectory(
            root.GetProperty("start").Deserialize<float[][]>()!,
            root.GetProperty("grads").Deserialize<float[][][]>()!,
            root.GetProperty("after").Deserialize<float[][][]>()!,
            root.GetProperty("lrs").Deserialize<double[][]?>());
    }

    public static JsonElement Case(string name) => Reference.RootElement.GetProperty("cases").GetProperty(name);

    static readonly JsonDocument Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Optim", "torch_reference.json")));

    public Tensor[] NewParameters() => Start.Select(v => Torch.From(v, v.Length).DetachFromScopes()).ToArray();

    /// <summary>Runs steps [from, to) and checks every value after each step is PyTorch's, bit for bit.</summary>
    public void Replay(Optimizer optimizer, IReadOnlyList<Tensor> parameters, int from, int to)
    {
        for (var s = from; s < to; s++)
        {
            if (Lrs is not null)
                for (var g = 0; g < optimizer.GroupCount; g++) optimizer.SetLr(g, Lrs[s][g]);
            for (var p = 0; p < parameters.Count; p++)
            {
                using var grad = Torch.From(Grads[s][p], Grads[s][p].Length);
                Gradients.Set(parameters[p], grad);
            }
            optimizer.Step();
            for (var p = 0; p < parameters.Count; p++)
                Assert.Equal(After[s][p], parameters[p].ToArray<float>());
        }
    }
}
