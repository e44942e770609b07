using System.Security.Cryptography;

namespace Stlm.Model.Data;

/// <summary>SHA-256 of files, streamed, with progress; used to fingerprint sources and verify shards.</summary>
public static class SourceHashing
{
    public static string Sha256(string path, Action<long>? bytesRead = null, CancellationToken cancel = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancel.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
            bytesRead?.Invoke(read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
