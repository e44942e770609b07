namespace Stlm.Model.Nn;

/// <summary>How a parameter is filled when a model is initialised from its seed.</summary>
public abstract record ParameterInit
{
    /// <summary>Gaussian with mean 0 (Hugging Face Llama's initializer_range is 0.02).</summary>
    public sealed record Normal(double Std) : ParameterInit;

    public sealed record Constant(double Value) : ParameterInit;

    public static readonly ParameterInit Zeros = new Constant(0);
    public static readonly ParameterInit Ones = new Constant(1);
}
