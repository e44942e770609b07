using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// Keys and values of the positions seen so far, for one layer: [B, n_kv_heads, S, head_dim].
/// Kept before the grouped-query repeat, so GQA's memory saving holds in the cache too.
/// </summary>
public sealed class LayerKvCache : IDisposable
{
    public Tensor? Keys { get; private set; }
    public Tensor? Values { get; private set; }

    /// <summary>Positions cached (the next token's position).</summary>
    public long Length => Keys?.Size(2) ?? 0;

    /// <summary>Appends this step's keys and values and returns the whole cache (new wrappers in the caller's scope).</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        Tensor k, v;
        using (var _ = TorchScope.Begin())
        {
            k = (Keys is null ? keys.Clone() : Torch.Cat([Keys, keys], 2)).DetachFromScopes();
            v = (Values is null ? values.Clone() : Torch.Cat([Values, values], 2)).DetachFromScopes();
        }
        Keys?.Dispose();
        Values?.Dispose();
        Keys = k;
        Values = v;
        return (k.Alias(), v.Alias());
    }

    public void Dispose()
    {
        Keys?.Dispose();
        Values?.Dispose();
        Keys = Values = null;
    }
}

/// <summary>One <see cref="LayerKvCache"/> per layer position (shared layers still get one each).</summary>
public sealed class KvCache : IDisposable
{
    readonly LayerKvCache[] layers;

    public KvCache(int layerCount) => layers = Enumerable.Range(0, layerCount).Select(_ => new LayerKvCache()).ToArray();

    public LayerKvCache this[int layer] => layers[layer];
    public int LayerCount => layers.Length;

    /// <summary>Positions cached so far.</summary>
    public long Length => layers.Length == 0 ? 0 : layers[0].Length;

    public void Dispose()
    {
        foreach (var layer in layers) layer.Dispose();
    }
}
