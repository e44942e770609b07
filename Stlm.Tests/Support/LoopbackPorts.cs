using System.Net;
using System.Net.Sockets;

namespace Stlm.Tests.Support;

public static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 right now (the OS's pick), for a child process to listen on.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
