using System.Text;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// Deterministic initialisation: each parameter's values are a function of (seed, its dotted
/// name) only, drawn on the host with a generator of our own. So re-creating a model with the
/// same config and seed gives identical weights on any device, adding a module does not shift
/// the others' values, and torch's global generator (part of a checkpoint's RNG state) is untouched.
/// </summary>
public static class SeededInit
{
    public static void Fill(Parameter parameter, string name, ulong seed)
    {
        var values = new float[checked((int)parameter.NumEl)];
        switch (parameter.Init)
        {
            case ParameterInit.Constant c:
                Array.Fill(values, (float)c.Value);
                break;
            case ParameterInit.Normal n:
                var state = seed ^ Fnv1a(name);
                for (var i = 0; i < values.Length; i += 2)
                {
                    // Box–Muller: two independent standard normals from two uniforms in (0, 1].
                    var u1 = Uniform(ref state);
                    var u2 = Uniform(ref state);
                    var r = Math.Sqrt(-2.0 * Math.Log(u1)) * n.Std;
                    values[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
                    if (i + 1 < values.Length) values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
                }
                break;
            default:
                throw new ArgumentException($"unknown init {parameter.Init}");
        }
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var host = Torch.From<float>(values, parameter.Shape);
        parameter.Value.CopyInPlace(host);
    }

    static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>SplitMix64 step, mapped to (0, 1] with 53 bits.</summary>
    static double Uniform(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return ((z >> 11) + 1) * (1.0 / (1UL << 53));
    }
}
