using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

/// <summary>
/// Compares autograd's gradients with central finite differences in float64. The output is
/// contracted with fixed random weights, so every entry of the Jacobian takes part.
/// </summary>
static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, 1e-6, 1e-5, inputs);

    public static void Check(Func<Tensor[], Tensor> f, double eps, double tolerance, params Tensor[] inputs)
    {
        using var scope = TorchScope.Begin();
        foreach (var input in inputs)
        {
            Assert.Equal(DType.Float64, input.DType);
            input.RequiresGrad = true;
            input.ZeroGrad();
        }
        Tensor weights;
        using (Torch.NoGrad()) weights = f(inputs).RandnLike();
        (f(inputs) * weights).Sum().Backward();

        for (var n = 0; n < inputs.Length; n++)
        {
            var analytic = inputs[n].Grad?.ToArray<double>() ?? new double[inputs[n].NumEl];
            using var noGrad = Torch.NoGrad();
            for (var j = 0; j < analytic.Length; j++)
            {
                var original = inputs[n].AsSpan<double>()[j];
                inputs[n].AsSpan<double>()[j] = original + eps;
                var plus = Contract(f, inputs, weights);
                inputs[n].AsSpan<double>()[j] = original - eps;
                var minus = Contract(f, inputs, weights);
                inputs[n].AsSpan<double>()[j] = original;
                var numeric = (plus - minus) / (2 * eps);
                var bound = tolerance * (1 + Math.Abs(numeric));
                Assert.True(Math.Abs(numeric - analytic[j]) <= bound,
                    $"input {n}, element {j}: autograd {analytic[j]:G10}, finite difference {numeric:G10}");
            }
        }
    }

    static double Contract(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        using var scope = TorchScope.Begin();
        return (f(inputs) * weights).Sum().ToDouble();
    }

    /// <summary>A float64 leaf with standard normal entries (seeded by the caller).</summary>
    public static Tensor Leaf(params long[] shape) => Torch.Randn(shape, DType.Float64).DetachFromScopes();
}
