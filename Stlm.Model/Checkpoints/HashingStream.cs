using System.Security.Cryptography;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// A write-only stream that passes bytes on (to Stream.Null when only the hash is wanted) and
/// hashes them on the way, so a checkpoint's files are never read back from disk to be hashed.
/// </summary>
sealed class HashingStream(Stream inner) : Stream
{
    readonly IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Written { get; private set; }

    /// <summary>The lowercase hex SHA-256 of everything written so far.</summary>
    public string Sha256Hex() => Convert.ToHexStringLower(sha.GetCurrentHash());

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        sha.AppendData(buffer);
        Written += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) sha.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>SHA-256 of a whole file, read in large blocks.</summary>
    public static string Sha256OfFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
