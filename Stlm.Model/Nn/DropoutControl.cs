namespace Stlm.Model.Nn;

/// <summary>Setting one dropout probability on every <see cref="Dropout"/> of a model (what the scheduler does).</summary>
public static class DropoutControl
{
    public static void SetDropout(this Module model, double p)
    {
        foreach (var (_, module) in model.NamedModules())
            if (module is Dropout d) d.P = p;
    }

    /// <summary>The distinct dropout probabilities in the model (one value after <see cref="SetDropout"/>).</summary>
    public static IReadOnlyList<double> DropoutValues(this Module model) =>
        model.NamedModules().Select(m => m.Module).OfType<Dropout>().Select(d => d.P).Distinct().ToList();
}
