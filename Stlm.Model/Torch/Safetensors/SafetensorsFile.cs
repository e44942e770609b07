using System.Collections.Immutable;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// A validated safetensors file whose tensor bytes are read in place: memory-mapped from disk
/// (<see cref="Open"/>) or pinned in a byte array (<see cref="FromBytes"/>). Nothing is copied;
/// spans and addresses stay valid until the file is disposed.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    readonly MemoryMappedFile? map;
    readonly MemoryMappedViewAccessor? view;
    GCHandle pin;
    readonly byte* start;
    readonly long dataOffset;
    readonly Dictionary<string, SafetensorsTensorInfo> byName;
    bool disposed;

    public string Source { get; }
    public SafetensorsHeader Header { get; }
    public long Length { get; }

    /// <summary>Tensors in the order of their bytes in the file.</summary>
    public ImmutableArray<SafetensorsTensorInfo> Tensors => Header.Tensors;
    public ImmutableSortedDictionary<string, string> Metadata => Header.Metadata;

    SafetensorsFile(string source, byte* start, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, GCHandle pin)
    {
        Source = source;
        this.start = start;
        Length = length;
        this.map = map;
        this.view = view;
        this.pin = pin;
        try
        {
            var headerLength = SafetensorsHeader.CheckPrefix(source, new ReadOnlySpan<byte>(start, (int)Math.Min(length, 8)), length);
            dataOffset = 8L + headerLength;
            Header = SafetensorsHeader.Parse(source, new ReadOnlySpan<byte>(start + 8, headerLength), length - dataOffset);
            byName = Header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Maps the file read-only and validates its header.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (Directory.Exists(path)) throw new StlmException($"{path}: is a folder, not a .safetensors file");
        long length;
        try { length = new FileInfo(path).Length; }
        catch (FileNotFoundException) { throw new StlmException($"{path}: no such file"); }
        if (length < 8)
            throw new SafetensorsException(path, SafetensorsProblem.HeaderTooSmall, $"the file has {length} bytes, fewer than the 8-byte header length");

        MemoryMappedFile map;
        try { map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StlmException($"{path}: cannot be read ({e.Message})", e);
        }
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new SafetensorsFile(path, p + view.PointerOffset, length, map, view, default);
        }
        catch when (view is null)
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Reads a safetensors image held in memory; the array is pinned until disposal.</summary>
    public static SafetensorsFile FromBytes(byte[] bytes, string source = "<bytes>")
    {
        var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        return new SafetensorsFile(source, (byte*)pin.AddrOfPinnedObject(), bytes.Length, null, null, pin);
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public SafetensorsTensorInfo this[string name] =>
        byName.TryGetValue(name, out var t) ? t : throw new StlmException($"{Source}: no tensor named '{name}' (it holds {Tensors.Length} tensors; see 'stlm inspect {Source}')");

    /// <summary>The tensor's bytes in place. Tensors over 2 GiB need <see cref="Address"/>.</summary>
    public ReadOnlySpan<byte> Bytes(string name) => Bytes(this[name]);

    public ReadOnlySpan<byte> Bytes(SafetensorsTensorInfo tensor)
    {
        if (tensor.ByteCount > int.MaxValue)
            throw new InvalidOperationException($"tensor '{tensor.Name}' has {tensor.ByteCount} bytes, more than a span holds; use Address");
        return new ReadOnlySpan<byte>((void*)Address(tensor), (int)tensor.ByteCount);
    }

    /// <summary>Where the tensor's first byte lies in memory; ByteCount bytes follow.</summary>
    public nint Address(string name) => Address(this[name]);

    public nint Address(SafetensorsTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!byName.TryGetValue(tensor.Name, out var own) || own != tensor)
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Source}", nameof(tensor));
        return (nint)(start + dataOffset + tensor.Begin);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (view is not null)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
        }
        map?.Dispose();
        if (pin.IsAllocated) pin.Free();
    }
}
