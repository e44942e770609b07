using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// Starts the ranks of a data-parallel run on this machine as child processes
/// (`stlm debug dp-worker`), rank 0's store on loopback at the spec's port or an ephemeral one,
/// and collects their reports. A rank that fails makes the whole launch fail with its last line.
/// </summary>
public sealed class DataParallelLaunch : IDisposable
{
    public sealed class Rank(int index, Process process)
    {
        readonly StringBuilder stderr = new();
        int steps;
        public int Index { get; } = index;
        public Process Process { get; } = process;
        /// <summary>Steps this rank has reported finishing.</summary>
        public int StepsDone => Volatile.Read(ref steps);
        public string Stderr { get { lock (stderr) return stderr.ToString(); } }

        internal void Listen()
        {
            Process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("step ", StringComparison.Ordinal) == true) Interlocked.Increment(ref steps);
            };
            Process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (stderr) stderr.AppendLine(line); };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }
    }

    DataParallelLaunch(DataParallelSpec spec, IReadOnlyList<Rank> ranks) => (Spec, Ranks) = (spec, ranks);

    public DataParallelSpec Spec { get; }
    public IReadOnlyList<Rank> Ranks { get; }

    public static DataParallelLaunch Start(DataParallelSpec spec)
    {
        spec = spec with
        {
            Port = spec.Port != 0 ? spec.Port : FreePort(),
        };
        Directory.CreateDirectory(spec.ReportDirectory);
        var json = JsonSerializer.Serialize(spec);
        var ranks = new List<Rank>();
        for (var r = 0; r < spec.WorldSize; r++)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stlm.dll"));
            foreach (var a in new[] { "debug", "dp-worker", "--rank", $"{r}", "--spec", json }) start.ArgumentList.Add(a);
            var rank = new Rank(r, Process.Start(start)!);
            rank.Listen();
            ranks.Add(rank);
        }
        return new DataParallelLaunch(spec, ranks);
    }

    /// <summary>Runs <paramref name="spec"/> to the end and returns every rank's report, rank 0 first.</summary>
    public static IReadOnlyList<DataParallelReport> Run(DataParallelSpec spec, TimeSpan limit)
    {
        using var launch = Start(spec);
        return launch.Wait(limit);
    }

    public IReadOnlyList<DataParallelReport> Wait(TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var rank in Ranks)
        {
            var left = limit - deadline.Elapsed;
            if (left <= TimeSpan.Zero || !rank.Process.WaitForExit(left))
                throw new StlmException($"data-parallel rank {rank.Index} did not finish within {limit.TotalSeconds:0}s");
            rank.Process.WaitForExit(); // drains the redirected output
            if (rank.Process.ExitCode != 0)
                throw new StlmException($"data-parallel rank {rank.Index} failed (exit {rank.Process.ExitCode}): {LastLine(rank.Stderr)}");
        }
        return [.. Ranks.Select(r => JsonSerializer.Deserialize<DataParallelReport>(File.ReadAllText(DataParallelReport.PathFor(Spec.ReportDirectory, r.Index)))!)];
    }

    public static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        foreach (var rank in Ranks)
        {
            if (!rank.Process.HasExited) rank.Process.Kill(entireProcessTree: true);
            rank.Process.Dispose();
        }
    }
}
