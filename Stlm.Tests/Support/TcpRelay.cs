using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Stlm.Tests.Support;

/// <summary>
/// Relays TCP connections made to <see cref="Endpoint"/> (an address of this process's network
/// namespace that another namespace reaches) to a server elsewhere, e.g. the test PostgreSQL on
/// 127.0.0.1. With a <c>delay</c>, each chunk going to the server waits that long first: a link
/// with that much latency, so every round trip of the clients behind it costs at least the delay.
/// Disposing closes the listener and every relayed connection.
/// Our own, on the BCL's sockets: the served proxies (YARP) speak HTTP, not PostgreSQL's wire, and
/// Toxiproxy would need its own server process.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    readonly TcpListener _listener;
    readonly IPEndPoint _server;
    readonly TimeSpan _delay;
    readonly CancellationTokenSource _stop = new();
    readonly ConcurrentBag<Socket> _sockets = [];

    public TcpRelay(IPAddress listenOn, IPEndPoint server, TimeSpan delay = default)
    {
        (_server, _delay) = (server, delay);
        _listener = new TcpListener(listenOn, 0);
        _listener.Start();
        _ = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    async Task RelayAsync(Socket client)
    {
        using var server = new Socket(_server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var _ = client;
        client.NoDelay = true;
        _sockets.Add(client);
        _sockets.Add(server);
        try
        {
            await server.ConnectAsync(_server, _stop.Token);
            // Either side closing ends the connection.
            await Task.WhenAny(PumpAsync(client, server, _delay), PumpAsync(server, client, TimeSpan.Zero));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    async Task PumpAsync(Socket from, Socket to, TimeSpan delay)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token);
                for (var sent = 0; sent < read;)
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var socket in _sockets) socket.Dispose();
    }
}
