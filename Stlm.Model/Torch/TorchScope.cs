namespace Stlm.Model.LibTorch;

/// <summary>
/// Frees every tensor made on this thread while it is the innermost scope, at its end:
/// <code>using var scope = TorchScope.Begin(); ... return scope.Keep(result);</code>
/// Keep (or <see cref="Tensor.MoveToOuterScope"/>) hands a tensor to the enclosing scope,
/// or out of all scopes when there is none. Scopes nest and are per thread.
/// </summary>
public sealed class TorchScope : IDisposable
{
    [ThreadStatic] static TorchScope? current;

    readonly TorchScope? outer;
    readonly List<Tensor> owned = new();
    bool ended;

    TorchScope(TorchScope? outer) => this.outer = outer;

    internal static TorchScope? Current => current;

    public static TorchScope Begin() => current = new TorchScope(current);

    /// <summary>How many live tensors this scope will free.</summary>
    public int Count => owned.Count(t => t.Scope == this && !t.IsDisposed);

    internal void Register(Tensor tensor)
    {
        tensor.Scope = this;
        owned.Add(tensor);
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or none) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.Scope != this) throw new InvalidOperationException("Keep: the tensor does not belong to this scope");
        Release(tensor);
        return tensor;
    }

    internal void Release(Tensor tensor)
    {
        tensor.Scope = null;
        outer?.Register(tensor);
    }

    internal void Forget(Tensor tensor) => tensor.Scope = null;

    public void Dispose()
    {
        if (ended) return;
        ended = true;
        foreach (var tensor in owned)
            if (tensor.Scope == this) tensor.Dispose();
        owned.Clear();
        // A `using` ends scopes innermost first; if one was left open, it ends with its parent.
        current = outer;
    }
}
