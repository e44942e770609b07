using System.Collections.Immutable;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// A tensor to write: its name, type, shape and a callback that writes exactly its bytes
/// (little-endian, row-major) to the stream it is given, so large tensors stream from wherever
/// they live without an intermediate copy.
/// </summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, ImmutableArray<long> Shape, Action<Stream> WriteBytes)
{
    /// <summary>Bytes this entry must write; throws when the shape is invalid for the dtype.</summary>
    public long ByteCount => DType.ByteCount(Shape.AsSpan())
        ?? throw new ArgumentException($"tensor '{Name}': shape [{string.Join(", ", Shape)}] of {DType.Name()} has no whole byte size");

    public static SafetensorsEntry FromBytes(string name, SafetensorsDType dtype, ImmutableArray<long> shape, ReadOnlyMemory<byte> bytes) =>
        new(name, dtype, shape, s => s.Write(bytes.Span));

    /// <summary>
    /// Bytes at a native address (e.g. a CPU tensor's storage), ByteCount of them; the memory
    /// must stay alive until the write is done.
    /// </summary>
    public static unsafe SafetensorsEntry FromAddress(string name, SafetensorsDType dtype, ImmutableArray<long> shape, nint address)
    {
        var entry = new SafetensorsEntry(name, dtype, shape, _ => { });
        var total = entry.ByteCount;
        return entry with
        {
            WriteBytes = s =>
            {
                for (long done = 0; done < total;)
                {
                    var chunk = (int)Math.Min(total - done, 1 << 30);
                    s.Write(new ReadOnlySpan<byte>((byte*)address + done, chunk));
                    done += chunk;
                }
            },
        };
    }
}
