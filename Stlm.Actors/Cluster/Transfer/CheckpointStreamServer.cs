using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// The bytes of a checkpoint transfer, outside Akka's remoting: a plain TCP listener on the
/// node's address that streams one byte range of one file per connection, to whoever presents
/// the one-time token <see cref="CheckpointSourceActor"/> granted for it (<see cref="Grant"/>).
/// The wire: the fetcher sends <see cref="Magic"/> and the token's 32 bytes; the server answers
/// <see cref="Accepted"/> followed by the range's bytes and closes, or <see cref="Refused"/> and
/// closes (an unknown, used or expired token). Each connection sends the file with the kernel's
/// sendfile, <see cref="TransferSettings.BufferBytes"/> at a time, so the bytes never pass through
/// this process; a reader that stays silent longer than the timeout is dropped. Disposed with its
/// actor system: open streams are reset, so a fetcher sees the cut.
/// Why our own and not a served library: Akka's remoting (1 MB chunks, as StreamRefs would send
/// them) was the limit at 0.14× a local copy; no package on the served list streams a file range
/// over TCP, and this takes only the BCL's sockets.
/// </summary>
public sealed class CheckpointStreamServer : IDisposable
{
    public static ReadOnlyMemory<byte> Magic { get; } = "STLMCKPT"u8.ToArray();

    public const int TokenBytes = 32;

    public const byte Accepted = 1;

    public const byte Refused = 0;

    /// <summary>How long a granted token waits for its connection.</summary>
    static readonly TimeSpan GrantLife = TimeSpan.FromMinutes(2);

    sealed record Granted(string Path, long Offset, long Length, DateTime Expires);

    readonly TcpListener _listener;
    readonly TransferSettings _settings;
    readonly ConcurrentDictionary<string, Granted> _grants = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<Socket, byte> _open = new();
    readonly CancellationTokenSource _stop = new();

    CheckpointStreamServer(TcpListener listener, string host, TransferSettings settings)
    {
        (_listener, _settings, Host) = (listener, settings, host);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The name the other nodes reach this listener by (the node's cluster address host).</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>Listens on <paramref name="host"/> (an IP, or a name resolved here) at <see cref="TransferSettings.Port"/>.</summary>
    public static CheckpointStreamServer Start(string host, TransferSettings settings)
    {
        var address = IPAddress.TryParse(host, out var ip)
            ? ip
            : Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
              ?? throw new Model.StlmException($"cluster.hostname \"{host}\" resolves to no address for the checkpoint transfer listener");
        var listener = new TcpListener(address, settings.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new Model.StlmException($"the checkpoint transfer listener cannot listen on {host}:{settings.Port} ({e.Message}): " +
                                          "set cluster.transfer.port to a free port, or 0 for any");
        }
        var server = new CheckpointStreamServer(listener, host, settings);
        _ = server.AcceptLoop();
        return server;
    }

    /// <summary>A one-time token for bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the file at <paramref name="path"/>.</summary>
    public string Grant(string path, long offset, long length)
    {
        var now = DateTime.UtcNow;
        foreach (var (stale, _) in _grants.Where(g => g.Value.Expires < now)) _grants.TryRemove(stale, out _);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes));
        _grants[token] = new Granted(path, offset, length, now + GrantLife);
        return token;
    }

    /// <summary>What a fetcher sends first: the magic and the token's bytes.</summary>
    public static byte[] Request(string token)
    {
        var request = new byte[Magic.Length + TokenBytes];
        Magic.CopyTo(request);
        Convert.FromHexString(token).CopyTo(request, Magic.Length);
        return request;
    }

    async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Serve(socket);
        }
    }

    async Task Serve(Socket socket)
    {
        _open[socket] = 0;
        try
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            quiet.CancelAfter(_settings.Timeout);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var request = new byte[Magic.Length + TokenBytes];
            await stream.ReadExactlyAsync(request, quiet.Token);
            var token = Convert.ToHexStringLower(request.AsSpan(Magic.Length));
            if (!request.AsSpan(0, Magic.Length).SequenceEqual(Magic.Span) || !_grants.TryRemove(token, out var grant) || grant.Expires < DateTime.UtcNow)
            {
                await stream.WriteAsync(new[] { Refused }, quiet.Token);
                return;
            }
            await using var file = new FileStream(grant.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await stream.WriteAsync(new[] { Accepted }, quiet.Token);
            var end = Math.Min(grant.Offset + grant.Length, file.Length);   // a file shorter than granted: the fetcher sees a short stream
            using var send = new SocketAsyncEventArgs();
            for (var at = grant.Offset; at < end;)
            {
                var n = (int)Math.Min(_settings.BufferBytes, end - at);
                quiet.CancelAfter(_settings.Timeout);
                await SendFileRange(socket, send, file, at, n, quiet.Token);
                at += n;
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // The fetcher went away, stayed silent, or the file cannot be read: it sees the stream end short and asks elsewhere.
        }
        finally
        {
            _open.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    /// <summary>Sends bytes [at, at + count) of <paramref name="file"/> with the kernel's sendfile: no copy through this process.</summary>
    static async Task SendFileRange(Socket socket, SocketAsyncEventArgs send, FileStream file, long at, int count, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Completed(object? _, SocketAsyncEventArgs e) =>
            _ = e.SocketError == SocketError.Success ? done.TrySetResult() : done.TrySetException(new SocketException((int)e.SocketError));
        send.SendPacketsElements = [new SendPacketsElement(file, at, count)];
        send.Completed += Completed;
        try
        {
            if (!socket.SendPacketsAsync(send)) Completed(null, send);
            await using (ct.Register(socket.Dispose)) await done.Task;
        }
        finally
        {
            send.Completed -= Completed;
        }
    }

    /// <summary>Stops listening and resets every open stream (as a node's death would cut them).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _open.Keys)
        {
            try { socket.LingerState = new LingerOption(true, 0); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            socket.Dispose();
        }
    }

    public override string ToString() => $"{Host}:{Port}";
}
