namespace Stlm.Model.Nn;

/// <summary>Submodules named "0", "1", ...; the same module may sit at several indices (shared layers).</summary>
public sealed class ModuleList<T> : Module where T : Module
{
    readonly List<T> items = new();

    public ModuleList(IEnumerable<T> modules)
    {
        foreach (var m in modules) items.Add(RegisterModule(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
    }

    public int Count => items.Count;
    public T this[int index] => items[index];
    public IReadOnlyList<T> Items => items;
}
