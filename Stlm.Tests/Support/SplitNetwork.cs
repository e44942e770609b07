using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Stlm.Tests.Support;

/// <summary>
/// A network that a test can cut in two: two Linux network namespaces, a minority side and a
/// majority side, joined by a veth pair (the cluster's link: <see cref="MinorityAddress"/> and
/// <see cref="MajorityAddress"/>), each with a veth pair of its own to the root namespace
/// (<see cref="RootSeenFromMinority"/>, <see cref="RootSeenFromMajority"/>), where the test
/// process relays the journal's server (<see cref="TcpRelay"/>). <see cref="Partition"/> puts a
/// blackhole route to the other side's cluster address on each side: cluster traffic between them
/// stops, while each side still reaches the root namespace. Processes run inside with
/// <see cref="Launcher"/> (`ip netns exec NS …`).
/// Names carry this process's id (namespaces stlmnet&lt;pid&gt;-min/-maj, links stn&lt;pid&gt;…), so
/// parallel runs never collide; <see cref="Dispose"/> deletes them (the veth pairs go with their
/// namespaces), and <see cref="Create"/> first deletes what an aborted run left (its process is gone).
/// Addresses are in 198.18.0.0/15 (reserved for network tests, RFC 2544): 198.18.K.0/24 with a K no
/// address of the root namespace uses yet.
/// </summary>
public sealed partial class SplitNetwork : IDisposable
{
    const string NamespacePrefix = "stlmnet";
    const string LinkPrefix = "stn";
    static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    readonly string _links;

    SplitNetwork(int block)
    {
        var pid = Environment.ProcessId;
        MinorityNamespace = $"{NamespacePrefix}{pid}-min";
        MajorityNamespace = $"{NamespacePrefix}{pid}-maj";
        _links = $"{LinkPrefix}{pid}";
        var net = $"198.18.{block}.";
        RootSeenFromMinority = IPAddress.Parse(net + "1");
        RootSeenFromMajority = IPAddress.Parse(net + "5");
        // Both two digits: the minority's member address sorts first (Akka's addresses compare as text).
        MinorityAddress = IPAddress.Parse(net + "13");
        MajorityAddress = IPAddress.Parse(net + "14");
    }

    public string MinorityNamespace { get; }
    public string MajorityNamespace { get; }

    /// <summary>The root namespace's end of the minority's own link (where it reaches the journal's relay).</summary>
    public IPAddress RootSeenFromMinority { get; }

    public IPAddress RootSeenFromMajority { get; }

    /// <summary>The minority side's address on the cluster link.</summary>
    public IPAddress MinorityAddress { get; }

    /// <summary>The majority side's address on the cluster link (every process there binds it, on ports of its own).</summary>
    public IPAddress MajorityAddress { get; }

    /// <summary>The command line prefix that runs a program inside a side's namespace.</summary>
    public static string[] Launcher(string netns) => ["ip", "netns", "exec", netns];

    /// <summary>Null where this process can make network namespaces, else why not (one line).</summary>
    public static readonly Lazy<string?> Unavailable = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces are Linux only";
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "ip"))))
            return "needs iproute2's ip on PATH (apt-get install iproute2)";
        if (!Environment.IsPrivilegedProcess) return "needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) to make network namespaces";
        var probe = $"{NamespacePrefix}{Environment.ProcessId}-probe";
        try
        {
            Ip("netns", "add", probe);
            Ip("netns", "delete", probe);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"`ip netns add` failed here: {e.Message}";
        }
    });

    /// <summary>Makes both namespaces and their links; on failure, removes whatever it made.</summary>
    public static SplitNetwork Create()
    {
        RemoveLeftovers();
        var network = new SplitNetwork(FreeBlock());
        try
        {
            network.Build();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    void Build()
    {
        var (min, maj) = (MinorityNamespace, MajorityNamespace);
        Ip("netns", "add", min);
        Ip("netns", "add", maj);
        // Each side's link to the root namespace: a /30 with the root's end first.
        Link($"{_links}r0", RootSeenFromMinority, $"{_links}r1", min, Offset(RootSeenFromMinority, 1));
        Link($"{_links}R0", RootSeenFromMajority, $"{_links}R1", maj, Offset(RootSeenFromMajority, 1));
        // The cluster link between the sides.
        Ip("link", "add", $"{_links}c0", "netns", min, "type", "veth", "peer", "name", $"{_links}c1", "netns", maj);
        Up(min, $"{_links}c0", MinorityAddress);
        Up(maj, $"{_links}c1", MajorityAddress);
        // Loopback carries the traffic between processes of one side (to the side's own address).
        Ip("-n", min, "link", "set", "lo", "up");
        Ip("-n", maj, "link", "set", "lo", "up");
    }

    static void Link(string rootName, IPAddress rootAddress, string peerName, string netns, IPAddress peerAddress)
    {
        Ip("link", "add", rootName, "type", "veth", "peer", "name", peerName, "netns", netns);
        Ip("addr", "add", $"{rootAddress}/30", "dev", rootName);
        Ip("link", "set", rootName, "up");
        Up(netns, peerName, peerAddress);
    }

    static void Up(string netns, string device, IPAddress address)
    {
        Ip("-n", netns, "addr", "add", $"{address}/30", "dev", device);
        Ip("-n", netns, "link", "set", device, "up");
    }

    static IPAddress Offset(IPAddress address, int by)
    {
        var bytes = address.GetAddressBytes();
        bytes[3] = (byte)(bytes[3] + by);
        return new IPAddress(bytes);
    }

    /// <summary>Cuts the cluster link: each side drops what it would send to the other's cluster address.</summary>
    public void Partition()
    {
        Ip("-n", MinorityNamespace, "route", "add", "blackhole", $"{MajorityAddress}/32");
        Ip("-n", MajorityNamespace, "route", "add", "blackhole", $"{MinorityAddress}/32");
    }

    public void Dispose()
    {
        foreach (var netns in new[] { MinorityNamespace, MajorityNamespace })
            TryIp("netns", "delete", netns);
        TryIp("link", "delete", $"{_links}r0");
        TryIp("link", "delete", $"{_links}R0");
    }

    /// <summary>Namespaces and root links of runs whose process is gone (or of this process, left by an earlier test in it).</summary>
    static void RemoveLeftovers()
    {
        foreach (var line in Ip("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (NamespaceName().Match(name) is { Success: true } m && Abandoned(m.Groups[1].Value)) TryIp("netns", "delete", name);
        }
        foreach (var line in Ip("-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(':', 3)[1].Trim().Split('@')[0];
            if (LinkName().Match(name) is { Success: true } m && Abandoned(m.Groups[1].Value)) TryIp("link", "delete", name);
        }
    }

    static bool Abandoned(string pid) => int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture) == Environment.ProcessId || !Directory.Exists($"/proc/{pid}");

    /// <summary>A /24 of 198.18.0.0/16 that no address of the root namespace is in (starting from one derived from the pid).</summary>
    static int FreeBlock()
    {
        var used = Ip("-o", "-4", "addr", "show");
        for (var i = 0; i < 256; i++)
        {
            var block = (Environment.ProcessId + i) % 256;
            if (!used.Contains($" 198.18.{block}.", StringComparison.Ordinal)) return block;
        }
        throw new InvalidOperationException("every /24 of 198.18.0.0/16 is in use here");
    }

    static void TryIp(params string[] args)
    {
        try { Ip(args); }
        catch (InvalidOperationException) { }   // already gone
    }

    /// <summary>Runs `ip args` (bounded); its stdout, or InvalidOperationException with its stderr.</summary>
    static string Ip(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"ip {string.Join(' ', args)} did not finish in {CommandTimeout.TotalSeconds:0} s");
        }
        if (!Task.WaitAll([stdout, stderr], CommandTimeout))
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: its output stayed open");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {stderr.Result.Trim()} (exit {process.ExitCode})");
        return stdout.Result;
    }

    [GeneratedRegex(@"^stlmnet(\d+)-(min|maj|probe)$")]
    private static partial Regex NamespaceName();

    [GeneratedRegex(@"^stn(\d+)[rRc][01]$")]
    private static partial Regex LinkName();
}

/// <summary>
/// A [Fact] for a test that cuts a network (<see cref="SplitNetwork"/>) between cluster nodes on
/// the PostgreSQL journal: skipped, with the reason, where STLM_TEST_PG is unset or network
/// namespaces cannot be made here (not root, no `ip`).
/// </summary>
public sealed class SplitNetworkFactAttribute : FactAttribute
{
    public SplitNetworkFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresTestDatabase.Variable)))
            Skip = $"{PostgresTestDatabase.Variable} is not set: this test needs PostgreSQL; run it with ./stlm test, which starts one and sets it";
        else if (SplitNetwork.Unavailable.Value is { } why)
            Skip = $"needs Linux network namespaces to cut a network between nodes: {why}";
    }
}
