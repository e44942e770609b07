using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// How checkpoints move between nodes (cluster.transfer in reference.conf): the port of this
/// node's stream listener (<see cref="CheckpointStreamServer"/>; 0 = a free one), the bytes the listener
/// sends per sendfile call and the size of each of the fetcher's two buffers (the memory a transfer
/// holds, whatever the checkpoint's size),
/// and how long a source may stay silent before the transfer moves to another node.
/// </summary>
public sealed record TransferSettings(int Port = 0, int BufferBytes = TransferSettings.DefaultBufferBytes, TimeSpan? IdleTimeout = null)
{
    public const int DefaultBufferBytes = 1024 * 1024;

    public TimeSpan Timeout => IdleTimeout ?? TimeSpan.FromSeconds(10);

    public static TransferSettings From(Config config)
    {
        var port = config.GetInt("cluster.transfer.port");
        if (port is < 0 or > 65535) throw new StlmException($"cluster.transfer.port = {port} is not a port: use 1-65535, or 0 for any free port");
        var buffer = config.GetBytes("cluster.transfer.buffer");
        if (buffer is < 4096 or > 64L * 1024 * 1024)
            throw new StlmException($"cluster.transfer.buffer = {buffer} bytes is out of range: use 4K to 64M (e.g. 1M)");
        var timeout = config.GetDuration("cluster.transfer.timeout");
        if (timeout < TimeSpan.FromMilliseconds(100)) throw new StlmException($"cluster.transfer.timeout = {timeout.TotalMilliseconds} ms is too short: use 100ms or more (e.g. 10s)");
        return new TransferSettings(port, (int)buffer, timeout);
    }
}
