using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// The torch.nn.Module of Stlm: a tree of named parameters, buffers and submodules. Names are
/// dotted paths in registration order ("model.layers.0.self_attn.q_proj.weight"), stable across
/// runs, so state dicts and checkpoints line up. Modules that share weights register the same
/// <see cref="Parameter"/> (or the same submodule) under several names; enumerations list each
/// shared parameter once, under the first name that reaches it (as PyTorch's named_parameters).
/// Forward methods are per module (their inputs differ) and are plain methods.
/// </summary>
public abstract class Module
{
    readonly List<(string Name, Parameter Parameter)> parameters = new();
    readonly List<(string Name, Tensor Tensor, bool Persistent)> buffers = new();
    readonly List<(string Name, Module Module)> children = new();

    /// <summary>Training mode: dropout is active. Set with <see cref="Train"/> / <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    // ---- registration (call from constructors) -----------------------------------------------

    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        CheckNewName(name);
        parameters.Add((name, parameter));
        return parameter;
    }

    protected Parameter RegisterParameter(string name, long[] shape, ParameterGroup group, ParameterInit init) =>
        RegisterParameter(name, new Parameter(shape, group, init));

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        children.Add((name, module));
        return module;
    }

    /// <summary>A non-trainable tensor; persistent ones are part of the state dict.</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        CheckNewName(name);
        tensor.DetachFromScopes();
        buffers.Add((name, tensor, persistent));
        return tensor;
    }

    /// <summary>The buffer's current tensor (buffers are replaced by <see cref="To(Device, DType?)"/>).</summary>
    protected Tensor Buffer(string name) => buffers.First(b => b.Name == name).Tensor;

    void CheckNewName(string name)
    {
        if (name.Length == 0 || name.Contains('.'))
            throw new ArgumentException($"module member name '{name}' must be non-empty and without dots");
        if (parameters.Any(p => p.Name == name) || buffers.Any(b => b.Name == name) || children.Any(c => c.Name == name))
            throw new ArgumentException($"module member '{name}' registered twice in {GetType().Name}");
    }

    // ---- enumeration -------------------------------------------------------------------------

    public IEnumerable<(string Name, Module Module)> NamedChildren() => children;

    /// <summary>This module and every module below it, each once, depth first, with dotted names ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, "", seen);

        static IEnumerable<(string, Module)> Walk(Module module, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(module)) yield break;
            yield return (prefix, module);
            foreach (var (name, child) in module.children)
                foreach (var item in Walk(child, Join(prefix, name), seen))
                    yield return item;
        }
    }

    /// <summary>Every parameter once (shared ones under their first name), in registration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModulesWithRepeats())
            foreach (var (name, p) in module.parameters)
                if (seen.Add(p)) yield return (Join(prefix, name), p);
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Buffers by dotted name; <paramref name="persistentOnly"/> keeps those that go into state dicts.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers(bool persistentOnly = false)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModulesWithRepeats())
            foreach (var (name, tensor, persistent) in module.buffers)
                if ((persistent || !persistentOnly) && seen.Add(tensor)) yield return (Join(prefix, name), tensor);
    }

    // A shared submodule is walked under each of its names, so a parameter registered directly in a
    // later, unshared module (e.g. a LoRA layer holding a shared weight) still gets found; the
    // callers above keep the first name of each parameter.
    IEnumerable<(string, Module)> NamedModulesWithRepeats()
    {
        return Walk(this, "");

        static IEnumerable<(string, Module)> Walk(Module module, string prefix)
        {
            yield return (prefix, module);
            foreach (var (name, child) in module.children)
                foreach (var item in Walk(child, Join(prefix, name)))
                    yield return item;
        }
    }

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- counts and optimizer groups ---------------------------------------------------------

    /// <summary>Unique parameter elements, in total and by group.</summary>
    public ParameterCounts CountParameters() => ParameterCounts.Of(Parameters());

    /// <summary>AdamW's two groups (nanoGPT's rule): matrices decay, vectors do not.</summary>
    public (IReadOnlyList<Parameter> Decay, IReadOnlyList<Parameter> NoDecay) OptimizerGroups()
    {
        var all = Parameters().ToList();
        return (all.Where(p => p.Decays).ToList(), all.Where(p => !p.Decays).ToList());
    }

    // ---- modes, moves, init ------------------------------------------------------------------

    public Module Train(bool training = true)
    {
        foreach (var (_, module) in NamedModules()) module.Training = training;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Moves every parameter and buffer (floating buffers follow <paramref name="dtype"/>).</summary>
    public Module To(Device device, DType? dtype = null)
    {
        using var _ = Torch.NoGrad();
        foreach (var p in Parameters())
            p.Replace(dtype is { } d ? p.Value.To(device, d) : p.Value.To(device));
        foreach (var (_, module) in NamedModules())
            for (var i = 0; i < module.buffers.Count; i++)
            {
                var (name, tensor, persistent) = module.buffers[i];
                var moved = dtype is { } d && tensor.DType.IsFloatingPoint() ? tensor.To(device, d) : tensor.To(device);
                moved.DetachFromScopes();
                if (!ReferenceEquals(moved, tensor)) tensor.Dispose();
                module.buffers[i] = (name, moved, persistent);
                module.OnBufferMoved(name, moved);
            }
        return this;
    }

    public Module To(DType dtype) => To(Device, dtype);

    /// <summary>Lets a module that caches a buffer in a field refresh it after a move.</summary>
    protected virtual void OnBufferMoved(string name, Tensor tensor) { }

    /// <summary>The device of the first parameter (CPU for a module without parameters).</summary>
    public Device Device => Parameters().FirstOrDefault()?.Value.Device ?? Device.Cpu;

    /// <summary>Fills every parameter from its init rule, as a function of (seed, dotted name) only.</summary>
    public void InitializeWeights(ulong seed)
    {
        foreach (var (name, p) in NamedParameters()) SeededInit.Fill(p, name, seed);
    }

    /// <summary>Drops every parameter's gradient (set to none, as torch's default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Value.ZeroGrad();
    }

    // ---- state dicts -------------------------------------------------------------------------

    /// <summary>
    /// Parameters and persistent buffers by dotted name, in a stable order. The tensors are the
    /// live ones (as PyTorch's state_dict): do not dispose them; clone them for a snapshot.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() =>
        NamedParameters().Select(p => KeyValuePair.Create(p.Name, p.Parameter.Value))
            .Concat(NamedBuffers(persistentOnly: true).Select(b => KeyValuePair.Create(b.Name, b.Tensor)))
            .ToList();

    /// <summary>
    /// Copies values in by name (converting dtype and device as needed). With <paramref name="strict"/>,
    /// missing and unexpected names fail; a shape mismatch always fails. All problems are named at once.
    /// </summary>
    public void LoadStateDict(IEnumerable<KeyValuePair<string, Tensor>> source, bool strict = true)
    {
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in source) given[name] = tensor;
        var own = StateDict();
        var ownNames = own.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);

        var missing = own.Where(e => !given.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var unexpected = given.Keys.Where(n => !ownNames.Contains(n)).ToList();
        var mismatched = own.Where(e => given.TryGetValue(e.Key, out var t) && !t.Shape.SequenceEqual(e.Value.Shape))
            .Select(e => $"{e.Key} (model [{string.Join(", ", e.Value.Shape)}], given [{string.Join(", ", given[e.Key].Shape)}])")
            .ToList();
        var problems = new List<string>();
        if (mismatched.Count > 0) problems.Add("shape mismatch: " + Few(mismatched));
        if (strict && missing.Count > 0) problems.Add("missing keys: " + Few(missing));
        if (strict && unexpected.Count > 0) problems.Add("unexpected keys: " + Few(unexpected));
        if (problems.Count > 0)
            throw new StlmException($"cannot load state dict into {GetType().Name}: {string.Join("; ", problems)}; check that the checkpoint was made with the same model config");

        using var _ = Torch.NoGrad();
        foreach (var (name, tensor) in own)
            if (given.TryGetValue(name, out var value)) tensor.CopyInPlace(value);
    }

    static string Few(List<string> names) =>
        names.Count <= 5 ? string.Join(", ", names) : string.Join(", ", names.Take(5)) + $" and {names.Count - 5} more";
}
