using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Stlm.Model.Data;

/// <summary>
/// One shard file mapped into memory read-only: the OS pages tokens in as they are read, so
/// opening a many-gigabyte corpus costs nothing and processes share the page cache.
/// </summary>
public sealed unsafe class TokenShard : IDisposable
{
    readonly MemoryMappedFile file;
    readonly MemoryMappedViewAccessor view;
    readonly byte* start;

    public TokenShard(string path, TokenDType dtype, long expectedTokens)
    {
        var bytes = expectedTokens * dtype.Size();
        var actual = File.Exists(path) ? new FileInfo(path).Length : -1;
        if (actual != bytes)
            throw new StlmException($"{path}: {(actual < 0 ? "missing" : $"{actual} bytes")}, the manifest says {bytes}: re-run 'stlm data prepare' for this directory");
        (Path, DType, Tokens) = (path, dtype, expectedTokens);
        file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        view = file.CreateViewAccessor(0, bytes, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        start = pointer + view.PointerOffset;
    }

    public string Path { get; }
    public TokenDType DType { get; }
    public long Tokens { get; }

    /// <summary>Copies tokens [offset, offset + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long offset, Span<int> destination)
    {
        if (offset < 0 || offset + destination.Length > Tokens)
            throw new ArgumentOutOfRangeException(nameof(offset), $"tokens [{offset}, {offset + destination.Length}) are outside the shard's {Tokens}");
        if (DType == TokenDType.UInt16)
        {
            var source = new ReadOnlySpan<ushort>(start + offset * 2, destination.Length);
            for (var i = 0; i < destination.Length; i++)
                destination[i] = BitConverter.IsLittleEndian ? source[i] : BinaryPrimitives.ReverseEndianness(source[i]);
        }
        else
        {
            var source = new ReadOnlySpan<uint>(start + offset * 4, destination.Length);
            for (var i = 0; i < destination.Length; i++)
                destination[i] = (int)(BitConverter.IsLittleEndian ? source[i] : BinaryPrimitives.ReverseEndianness(source[i]));
        }
    }

    public void Dispose()
    {
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        file.Dispose();
    }
}
