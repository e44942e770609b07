namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// A write-only window onto the destination that lets one tensor's callback write exactly its
/// byte count: more is refused at once, fewer is caught by <see cref="CheckComplete"/>, so a
/// wrong callback cannot shift every tensor after it.
/// </summary>
sealed class CountingStream(Stream inner, long expected, string name) : Stream
{
    long written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => written;
    public override long Position { get => written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (written + buffer.Length > expected)
            throw new InvalidOperationException($"tensor '{name}' wrote more than its {expected} bytes");
        inner.Write(buffer);
        written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public void CheckComplete()
    {
        if (written != expected)
            throw new InvalidOperationException($"tensor '{name}' wrote {written} of its {expected} bytes");
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
