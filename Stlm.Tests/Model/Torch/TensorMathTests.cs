using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class TensorMathTests
{
    static void Close(double[] expected, Tensor actual, double tolerance = 1e-6)
    {
        var values = actual.To(DType.Float64).ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < values.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) <= tolerance, $"[{i}] expected {expected[i]}, got {values[i]}");
    }

    [Fact]
    public void Operators_broadcast_and_follow_python_promotion()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.From([1f, 2f, 3f]);
        var b = Torch.From([10f, 20f, 30f]);
        Assert.Equal([11f, 22, 33], (a + b).ToArray<float>());
        Assert.Equal([9f, 18, 27], (b - a).ToArray<float>());
        Assert.Equal([10f, 40, 90], (a * b).ToArray<float>());
        Assert.Equal([10f, 10, 10], (b / a).ToArray<float>());
        Assert.Equal([-1f, -2, -3], (-a).ToArray<float>());
        Assert.Equal([0.5f, 1, 1.5f], (a * 0.5).ToArray<float>());
        Assert.Equal([1f, 0, -1], (2 - a).ToArray<float>());
        Assert.Equal([6f, 3, 2], (6 / a).ToArray<float>());
        Assert.Equal([3f, 4, 5], (2 + a).ToArray<float>());
        Assert.Equal([1f, 0, 1], (a % 2).ToArray<float>());
        var rows = Torch.From([1f, 2f], 2, 1);
        Assert.Equal([2L, 3L], (rows + a).Shape);
        // integer tensors stay integral with whole scalars and become float with fractions
        var i = Torch.From([1L, 2L]);
        Assert.Equal(DType.Int64, (i * 2).DType);
        Assert.Equal(DType.Float32, (i * 0.5).DType);
        Assert.Equal(DType.Float32, (i / 2).DType);
        Assert.Equal(DType.Float32, (a * 2).DType);
        Assert.Equal([0L, 1L], Torch.From([1L, 3L]).FloorDivide(2).ToArray<long>());
        Assert.Equal(DType.Int32, (Torch.From([1, 2]) * 3).DType);
        Assert.Equal(DType.Float16, (Torch.From([1f]).To(DType.Float16) * 0.5).DType);
        Assert.Equal(DType.BFloat16, (0.5 - Torch.From([1f]).To(DType.BFloat16)).DType);
        Assert.Equal(DType.Int64, (Torch.From([true, false]) + 1).DType);
        Assert.Equal([true, false], (Torch.From([1L, 3L]) < 2.5).ToArray<bool>());
        Assert.Equal([0.25f, 0.5f], (Torch.From([1, 2]) / 4.0).ToArray<float>());
    }

    [Fact]
    public void Comparisons_and_logic_give_bool_tensors()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.From([1f, 2f, 3f]);
        Assert.Equal([false, false, true], (a > 2).ToArray<bool>());
        Assert.Equal([true, true, false], (a <= 2).ToArray<bool>());
        Assert.Equal([false, true, false], a.Eq(2).ToArray<bool>());
        Assert.Equal([true, false, true], a.Ne(Torch.From([0f, 2f, 0f])).ToArray<bool>());
        Assert.Equal([false, true, false], ((a > 1) & (a < 3)).ToArray<bool>());
        Assert.Equal([true, false, true], ((a < 2) | (a > 2)).ToArray<bool>());
        Assert.Equal(DType.Bool, (a >= Torch.Zeros([3])).DType);
    }

    [Fact]
    public void Unary_math_matches_known_values()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1.0, 4.0, 9.0]);
        Close([Math.E, Math.Exp(4), Math.Exp(9)], x.Exp(), 1e-9);
        Close([0, Math.Log(4), Math.Log(9)], x.Log());
        Close([1, 2, 3], x.Sqrt());
        Close([1, 0.5, 1 / 3.0], x.Rsqrt());
        Close([1, 16, 81], x.Pow(2));
        Close([1, 4, 9], (-x).Abs());
        Close([2, 4, 8], x.Clamp(2, 8));
        Close([1, 4, 5], x.Clamp(max: 5));
        Close([1, 0.25, 1 / 9.0], x.Reciprocal());
        Close([1, 2, 3], x.Pow(Torch.From([0.5, 0.5, 0.5])));
        Close([1, 3, 5], x.Lerp(Torch.From([1.0, 2.0, 1.0]), 0.5));
    }

    [Fact]
    public void Activations_match_their_formulas()
    {
        using var scope = TorchScope.Begin();
        double[] xs = [-2, -0.5, 0, 0.7, 3];
        var x = Torch.From(xs);
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        Close(xs.Select(v => Math.Max(0, v)).ToArray(), x.Relu());
        Close(xs.Select(Math.Tanh).ToArray(), x.Tanh());
        Close(xs.Select(Sigmoid).ToArray(), x.Sigmoid());
        Close(xs.Select(v => v * Sigmoid(v)).ToArray(), x.Silu());
        // exact GELU at known points: x * Phi(x); Phi(1) = 0.841344746068543
        Close([0.841344746068543, -0.158655253931457], Torch.From([1.0, -1.0]).Gelu(), 1e-12);
        Close(xs.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray(), x.Gelu(tanhApproximation: true), 1e-12);
    }

    [Fact]
    public void In_place_updates_change_the_tensor_itself()
    {
        using var scope = TorchScope.Begin();
        var w = Torch.From([1f, 2f]);
        var same = w.AddInPlace(Torch.From([1f, 1f]), alpha: -0.5);
        Assert.Same(w, same);
        Assert.Equal([0.5f, 1.5f], w.ToArray<float>());
        w.MulInPlace(2).AddInPlace(1).DivInPlace(2);
        Assert.Equal([1f, 2f], w.ToArray<float>());
        w.CopyInPlace(Torch.From([7.0, 8.0]));
        Assert.Equal([7f, 8f], w.ToArray<float>());
        w.ZeroInPlace();
        Assert.Equal([0f, 0f], w.ToArray<float>());
    }

    [Fact]
    public void Reductions_over_all_and_along_dims()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From(new float[,] { { 1, 5, 3 }, { 4, 2, 6 } });
        Assert.Equal(21f, x.Sum().Item<float>());
        Assert.Equal(3.5f, x.Mean().Item<float>());
        Assert.Equal([5f, 7, 9], x.Sum(0).ToArray<float>());
        Assert.Equal([2L, 1L], x.Mean(1, keepDim: true).Shape);
        Assert.Equal([3f, 4], x.Mean(1).ToArray<float>());
        Assert.Equal(6f, x.Max().Item<float>());
        Assert.Equal(1f, x.Min().Item<float>());
        var (values, indices) = x.Max(1);
        Assert.Equal([5f, 6], values.ToArray<float>());
        Assert.Equal([1L, 2L], indices.ToArray<long>());
        Assert.Equal([1L, 0L, 1L], x.ArgMax(0).ToArray<long>());
        Assert.Equal(5L, x.ArgMax().Item<long>());
        Assert.Equal([0L, 1L], x.Min(1).Indices.ToArray<long>());
        Assert.Equal([1f, 2, 3], x.Amin(0).ToArray<float>());
        Assert.Equal(21f, x.Sum([0L, 1L]).Item<float>());
        Assert.Equal(720f, x.Prod().Item<float>());
        Assert.Equal(4f, x.Var(1)[0].Item<float>());
        Assert.Equal((float)Math.Sqrt(91), x.Norm().Item<float>(), 5);
        Close([Math.Log(Math.Exp(1) + Math.Exp(5) + Math.Exp(3)), Math.Log(Math.Exp(4) + Math.Exp(2) + Math.Exp(6))], x.LogSumExp(1), 1e-5);
        Assert.Equal([1f, 6, 9, 4, 6, 12], x.CumSum(1).ToArray<float>());
        Assert.True((x > 0).All());
        Assert.True(x.AllClose(x + 1e-7));
    }

    [Fact]
    public void Matrix_products_match_hand_computation()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.From(new float[,] { { 1, 2 }, { 3, 4 } });
        var b = Torch.From(new float[,] { { 5, 6 }, { 7, 8 } });
        Assert.Equal([19f, 22, 43, 50], a.MatMul(b).ToArray<float>());
        Assert.Equal([19f, 22, 43, 50], a.Mm(b).ToArray<float>());
        var batched = Torch.Stack([a, b]).Bmm(Torch.Stack([b, a]));
        Assert.Equal([2L, 2L, 2L], batched.Shape);
        Assert.Equal([23f, 34, 31, 46], batched[1].ToArray<float>());
        Assert.Equal([17f, 39], a.MatMul(Torch.From([5f, 6f])).ToArray<float>());
        Assert.Equal([3f, 4, 6, 8], Torch.From([1f, 2f]).Outer(Torch.From([3f, 4f])).ToArray<float>());
    }

    [Fact]
    public void TopK_sort_and_argsort_order_values()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([3f, 1f, 4f, 1.5f, 9f]);
        var (top, at) = x.TopK(2);
        Assert.Equal([9f, 4f], top.ToArray<float>());
        Assert.Equal([4L, 2L], at.ToArray<long>());
        Assert.Equal([1f, 1.5f], x.TopK(2, largest: false).Values.ToArray<float>());
        var (sorted, order) = x.Sort(descending: true);
        Assert.Equal([9f, 4, 3, 1.5f, 1], sorted.ToArray<float>());
        Assert.Equal([4L, 2, 0, 3, 1], order.ToArray<long>());
        Assert.Equal([1L, 3, 0, 2, 4], x.ArgSort().ToArray<long>());
    }

    [Fact]
    public void Like_constructors_copy_shape_dtype_and_device()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.Ones([2, 3], DType.Float64);
        Assert.Equal([2L, 3L], x.ZerosLike().Shape);
        Assert.Equal(DType.Float64, x.RandnLike().DType);
        Assert.All(x.FullLike(4).ToArray<double>(), v => Assert.Equal(4.0, v));
        Assert.All(x.OnesLike().ToArray<double>(), v => Assert.Equal(1.0, v));
        Assert.All(x.RandLike().ToArray<double>(), v => Assert.InRange(v, 0.0, 1.0));
    }

    [Fact]
    public void Shape_mismatch_raises_with_libtorch_message_and_process_survives()
    {
        using var scope = TorchScope.Begin();
        var error = Assert.Throws<TorchException>(() => Torch.Ones([3]) + Torch.Ones([4]));
        Assert.Contains("must match the size of tensor b (4)", error.Message);
        Assert.DoesNotContain("frame #", error.Message);
        var mm = Assert.Throws<TorchException>(() => Torch.Ones([2, 3]).MatMul(Torch.Ones([2, 3])));
        Assert.Contains("2x3", mm.Message);
        Assert.Throws<TorchException>(() => Torch.Ones([6]).View(4, -1));
        Assert.Throws<TorchException>(() => Torch.Cat([Torch.Ones([2, 2]), Torch.Ones([2, 3])]));
        Assert.Throws<TorchException>(() => Torch.Ones([2]).IndexSelect(0, Torch.From([5L])));
        Assert.Throws<TorchException>(() => Torch.Ones([2]).Split([1L, 3L]));
        Assert.Equal(4f, (Torch.Ones([2]) * 2).Sum().Item<float>());
    }
}
