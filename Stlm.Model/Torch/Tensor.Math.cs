using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

// Elementwise math, C# operators, comparisons and in-place updates. Tensor-tensor ops
// broadcast; a scalar operand follows Python's promotion (f32 * 0.5 stays f32, i64 * 2 stays i64).
public sealed partial class Tensor
{
    Tensor Unary(UnaryOp op) => FromHandle(Native.stlm_unary(Handle, op));
    Tensor Binary(Tensor other, BinaryOp op) => FromHandle(Native.stlm_binary(Handle, other.Handle, op));
    Tensor Binary(double other, BinaryOp op) => FromHandle(Native.stlm_binary_scalar(Handle, other, op));

    public static Tensor operator +(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Add);
    public static Tensor operator +(Tensor a, double b) => a.Binary(b, BinaryOp.Add);
    public static Tensor operator +(double a, Tensor b) => b.Binary(a, BinaryOp.Add);
    public static Tensor operator -(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Sub);
    public static Tensor operator -(Tensor a, double b) => a.Binary(b, BinaryOp.Sub);
    public static Tensor operator -(double a, Tensor b) => b.Binary(a, BinaryOp.RSub);
    public static Tensor operator *(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Mul);
    public static Tensor operator *(Tensor a, double b) => a.Binary(b, BinaryOp.Mul);
    public static Tensor operator *(double a, Tensor b) => b.Binary(a, BinaryOp.Mul);
    public static Tensor operator /(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Div);
    public static Tensor operator /(Tensor a, double b) => a.Binary(b, BinaryOp.Div);
    public static Tensor operator /(double a, Tensor b) => b.Binary(a, BinaryOp.RDiv);
    public static Tensor operator %(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Remainder);
    public static Tensor operator %(Tensor a, double b) => a.Binary(b, BinaryOp.Remainder);
    public static Tensor operator -(Tensor a) => a.Unary(UnaryOp.Neg);

    // Comparisons give bool tensors. == and != stay reference equality (use Eq / Ne).
    public static Tensor operator <(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Lt);
    public static Tensor operator <(Tensor a, double b) => a.Binary(b, BinaryOp.Lt);
    public static Tensor operator >(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Gt);
    public static Tensor operator >(Tensor a, double b) => a.Binary(b, BinaryOp.Gt);
    public static Tensor operator <=(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Le);
    public static Tensor operator <=(Tensor a, double b) => a.Binary(b, BinaryOp.Le);
    public static Tensor operator >=(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Ge);
    public static Tensor operator >=(Tensor a, double b) => a.Binary(b, BinaryOp.Ge);

    // Logical ops on bool tensors.
    public static Tensor operator &(Tensor a, Tensor b) => a.Binary(b, BinaryOp.LogicalAnd);
    public static Tensor operator |(Tensor a, Tensor b) => a.Binary(b, BinaryOp.LogicalOr);
    public static Tensor operator ^(Tensor a, Tensor b) => a.Binary(b, BinaryOp.LogicalXor);
    public static Tensor operator !(Tensor a) => a.Unary(UnaryOp.LogicalNot);

    public Tensor Eq(Tensor other) => Binary(other, BinaryOp.Eq);
    public Tensor Eq(double other) => Binary(other, BinaryOp.Eq);
    public Tensor Ne(Tensor other) => Binary(other, BinaryOp.Ne);
    public Tensor Ne(double other) => Binary(other, BinaryOp.Ne);

    public Tensor Add(Tensor other) => Binary(other, BinaryOp.Add);
    public Tensor Sub(Tensor other) => Binary(other, BinaryOp.Sub);
    public Tensor Mul(Tensor other) => Binary(other, BinaryOp.Mul);
    public Tensor Div(Tensor other) => Binary(other, BinaryOp.Div);
    public Tensor Pow(Tensor exponent) => Binary(exponent, BinaryOp.Pow);
    public Tensor Pow(double exponent) => Binary(exponent, BinaryOp.Pow);
    public Tensor FloorDivide(double other) => Binary(other, BinaryOp.FloorDivide);
    public Tensor FloorDivide(Tensor other) => Binary(other, BinaryOp.FloorDivide);
    public Tensor Maximum(Tensor other) => Binary(other, BinaryOp.Maximum);
    public Tensor Minimum(Tensor other) => Binary(other, BinaryOp.Minimum);

    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor Sin() => Unary(UnaryOp.Sin);
    public Tensor Cos() => Unary(UnaryOp.Cos);
    public Tensor Floor() => Unary(UnaryOp.Floor);
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    public Tensor Round() => Unary(UnaryOp.Round);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor IsNan() => Unary(UnaryOp.IsNan);
    public Tensor IsInf() => Unary(UnaryOp.IsInf);
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);

    // Activations.
    public Tensor Relu() => Unary(UnaryOp.Relu);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Silu() => Unary(UnaryOp.Silu);

    /// <summary>GELU: exact (erf) by default, or the tanh approximation of GPT-2.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? UnaryOp.GeluTanh : UnaryOp.Gelu);

    public Tensor Softmax(long dim, DType? dtype = null) => Functional.Softmax(this, dim, dtype);
    public Tensor LogSoftmax(long dim, DType? dtype = null) => Functional.LogSoftmax(this, dim, dtype);

    /// <summary>Clamps to [min, max]; a null bound is open.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        FromHandle(Native.stlm_clamp(Handle, min ?? double.NaN, max ?? double.NaN));

    /// <summary>this + weight * (end - this).</summary>
    public Tensor Lerp(Tensor end, double weight) => FromHandle(Native.stlm_lerp(Handle, end.Handle, weight));

    // ---- in place (return this) --------------------------------------------------------------

    /// <summary>this += alpha * other.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        Native.Check(Native.stlm_add_scaled_(Handle, other.Handle, alpha));
        return this;
    }

    public Tensor AddInPlace(double value) { Native.Check(Native.stlm_binary_scalar_(Handle, value, BinaryOp.Add)); return this; }
    public Tensor SubInPlace(Tensor other) { Native.Check(Native.stlm_binary_(Handle, other.Handle, BinaryOp.Sub)); return this; }
    public Tensor MulInPlace(Tensor other) { Native.Check(Native.stlm_binary_(Handle, other.Handle, BinaryOp.Mul)); return this; }
    public Tensor MulInPlace(double value) { Native.Check(Native.stlm_binary_scalar_(Handle, value, BinaryOp.Mul)); return this; }
    public Tensor DivInPlace(Tensor other) { Native.Check(Native.stlm_binary_(Handle, other.Handle, BinaryOp.Div)); return this; }
    public Tensor DivInPlace(double value) { Native.Check(Native.stlm_binary_scalar_(Handle, value, BinaryOp.Div)); return this; }
    public Tensor ZeroInPlace() { Native.Check(Native.stlm_zero_(Handle)); return this; }
    public Tensor FillInPlace(double value) { Native.Check(Native.stlm_fill_(Handle, value)); return this; }

    /// <summary>Copies <paramref name="source"/> (broadcast, any dtype or device) into this tensor.</summary>
    public Tensor CopyInPlace(Tensor source) { Native.Check(Native.stlm_copy_(Handle, source.Handle)); return this; }

    // ---- like-creation -----------------------------------------------------------------------

    public Tensor ZerosLike() => FromHandle(Native.stlm_like(Handle, LikeKind.Zeros, 0));
    public Tensor OnesLike() => FromHandle(Native.stlm_like(Handle, LikeKind.Ones, 0));
    public Tensor FullLike(double value) => FromHandle(Native.stlm_like(Handle, LikeKind.Full, value));
    public Tensor RandnLike() => FromHandle(Native.stlm_like(Handle, LikeKind.Randn, 0));
    public Tensor RandLike() => FromHandle(Native.stlm_like(Handle, LikeKind.Rand, 0));
    public Tensor EmptyLike() => FromHandle(Native.stlm_like(Handle, LikeKind.Empty, 0));
}
