using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch.Optim;

/// <summary>
/// An optimizer over parameter groups whose update runs in native code, one call per
/// <see cref="Step"/> for all parameters. The hyperparameters live here, in C#, and travel with
/// every step, so setting a group's lr between steps is immediate and exported exactly.
/// </summary>
public abstract unsafe class Optimizer : IDisposable
{
    readonly string kind;
    readonly Tensor[] parameters;   // the optimizer's own aliases, outside any scope
    readonly int[] groupSizes;
    readonly OptimizerOptions[] options;
    readonly NativeGroupOptions[] nativeOptions;
    readonly double[] lrRatios;   // each group's lr over group 0's, as built
    readonly (int Slot, string Name)[] slots;
    nint handle;

    private protected Optimizer(string kind, IEnumerable<ParamGroup> groups, int nativeKind, (int, string)[] slots)
    {
        this.kind = kind;
        this.slots = slots;
        var list = groups.ToList();
        if (list.Count == 0) throw new ArgumentException($"{kind}: no parameter groups given");
        options = new OptimizerOptions[list.Count];
        nativeOptions = new NativeGroupOptions[list.Count];
        groupSizes = new int[list.Count];
        var all = new List<Tensor>();
        var groupOf = new List<int>();
        for (var g = 0; g < list.Count; g++)
        {
            SetOptions(g, list[g].Options);
            groupSizes[g] = list[g].Parameters.Count;
            foreach (var p in list[g].Parameters)
            {
                all.Add(p.Alias().DetachFromScopes());
                groupOf.Add(g);
            }
        }
        parameters = all.ToArray();
        var firstLr = options[0].Lr;
        lrRatios = options.Select(o => firstLr > 0 ? o.Lr / firstLr : 1.0).ToArray();
        var handles = parameters.Select(p => p.Handle).ToArray();
        var groupIndex = groupOf.ToArray();
        fixed (nint* h = handles)
        fixed (int* gi = groupIndex)
            handle = Native.stlm_optim_new(nativeKind, h, gi, handles.Length);
        if (handle == 0) throw TorchException.FromLastError();
    }

    public string Kind => kind;
    public int GroupCount => options.Length;
    public IReadOnlyList<Tensor> Parameters => parameters;

    public OptimizerOptions GetOptions(int group) => options[group];

    /// <summary>Replaces a group's hyperparameters (same optimizer kind); used from the next step on.</summary>
    public void SetOptions(int group, OptimizerOptions value)
    {
        CheckKind(value);
        value.Validate();
        options[group] = value;
        nativeOptions[group] = value.ToNative();
    }

    public double GetLr(int group) => options[group].Lr;
    public void SetLr(int group, double lr) => SetOptions(group, options[group] with { Lr = lr });

    /// <summary>
    /// The scheduler's call: group 0 gets <paramref name="lr"/>, every other group keeps the ratio
    /// of its lr to group 0's that the optimizer was built with (equal lrs stay equal).
    /// </summary>
    public void SetLr(double lr)
    {
        for (var g = 0; g < options.Length; g++) SetLr(g, g == 0 ? lr : lr * lrRatios[g]);
    }

    /// <summary>Updates every parameter that has a gradient, as torch's optimizer.step().</summary>
    public void Step()
    {
        fixed (NativeGroupOptions* o = nativeOptions)
            Native.Check(Native.stlm_optim_step(Handle, o, nativeOptions.Length));
    }

    /// <summary>Drops every parameter's gradient (the default, as torch) or zeroes it in place.</summary>
    public void ZeroGrad(bool setToNone = true) => Gradients.Zero(parameters, setToNone);

    /// <summary>Scales all gradients so their total norm is at most maxNorm; returns the norm before.</summary>
    public Tensor ClipGradNorm(double maxNorm, double normType = 2.0) => Gradients.ClipNorm(parameters, maxNorm, normType);

    /// <summary>Each parameter's number of updates so far (0 before its first gradient).</summary>
    public long[] Steps()
    {
        var steps = new long[parameters.Length];
        fixed (long* s = steps) Native.Check(Native.stlm_optim_get_steps(Handle, s));
        return steps;
    }

    /// <summary>A copy of the full state: hyperparameters, step counts and moment tensors.</summary>
    public OptimizerState ExportState()
    {
        var tensors = new Dictionary<string, Tensor>();
        for (var i = 0; i < parameters.Length; i++)
            foreach (var (slot, name) in slots)
            {
                nint value;
                Native.Check(Native.stlm_optim_get_slot(Handle, i, slot, &value));
                if (value != 0) tensors[$"{i}.{name}"] = Tensor.FromHandle(value);
            }
        var record = new OptimizerRecord(kind, options.ToArray(), groupSizes.ToArray(), Steps());
        return new OptimizerState(record, tensors);
    }

    /// <summary>
    /// Makes this optimizer continue exactly where the exported one stood. Its groups must have
    /// the same sizes and parameters the same shapes; the hyperparameters come from the state.
    /// </summary>
    public void LoadState(OptimizerState state)
    {
        var record = state.Record;
        if (record.Kind != kind)
            throw new StlmException($"optimizer state is for {record.Kind}, not {kind}; resume with the optimizer the run was trained with");
        if (!record.GroupSizes.SequenceEqual(groupSizes))
            throw new StlmException(
                $"optimizer state has groups of [{string.Join(", ", record.GroupSizes)}] parameters but this {kind} has [{string.Join(", ", groupSizes)}]; the model or its parameter grouping changed since the checkpoint");
        if (record.Steps.Count != parameters.Length || record.Groups.Count != groupSizes.Length)
            throw new StlmException($"optimizer state is inconsistent: {record.Steps.Count} step counts and {record.Groups.Count} groups for {parameters.Length} parameters");
        var known = new HashSet<string>();
        for (var i = 0; i < parameters.Length; i++)
            foreach (var (_, name) in slots) known.Add($"{i}.{name}");
        var unknown = state.Tensors.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
            throw new StlmException($"optimizer state has a tensor '{unknown}' that a {kind} over {parameters.Length} parameters does not have");

        for (var g = 0; g < record.Groups.Count; g++) SetOptions(g, record.Groups[g]);
        var steps = record.Steps.ToArray();
        fixed (long* s = steps) Native.Check(Native.stlm_optim_set_steps(Handle, s));
        for (var i = 0; i < parameters.Length; i++)
            foreach (var (slot, name) in slots)
                Native.Check(Native.stlm_optim_set_slot(Handle, i, slot,
                    state.Tensors.TryGetValue($"{i}.{name}", out var value) ? value.Handle : 0));
    }

    void CheckKind(OptimizerOptions value)
    {
        var expected = kind switch { "adamw" => typeof(AdamWOptions), _ => typeof(SgdOptions) };
        if (value.GetType() != expected)
            throw new ArgumentException($"{kind} takes {expected.Name}, not {value.GetType().Name}");
    }

    nint Handle => handle != 0 ? handle : throw new ObjectDisposedException(kind);

    public void Dispose()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_optim_free(h);
        foreach (var p in parameters) p.Dispose();
        GC.SuppressFinalize(this);
    }

    ~Optimizer()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_optim_free(h);
    }
}
