using System.Diagnostics;
using System.Text;
using Stlm.Actors.Training.DataParallel;
using Stlm.Model;
using Stlm.Model.Faults;
using Stlm.Model.LibTorch;

namespace Stlm.Host.Training;

/// <summary>
/// Ranks 1.. of a data-parallel run on this machine, as children of the `stlm train|resume|fork`
/// that is rank 0 (or of a trainer node, <see cref="Actors.Cluster.RankHost"/>): each is
/// `stlm debug dp-rank` reading the run's resolved config on its stdin, up to <see cref="EndOfConfig"/>.
/// Stdin then stays open: a rank leaves when it closes, so a launcher killed with SIGKILL takes
/// its ranks with it and the run's other ranks see them go at once instead of waiting for them.
/// Their stderr is kept (a rank's last line says why it ended); disposing ends any still running.
/// </summary>
public sealed class RankProcesses : IRankProcesses
{
    sealed record Child(int Rank, Process Process, StringBuilder Stderr);

    readonly List<Child> _children = [];

    RankProcesses() { }

    /// <summary>Ends the config on a rank's stdin (a HOCON text holds no NUL).</summary>
    public const char EndOfConfig = '\0';

    /// <summary>Starts them: the <see cref="RankLauncher"/> the training commands hand their session.</summary>
    public static IRankProcesses Launch(string runId, int worldSize, string host, int port, string configHocon) =>
        Start(runId, Enumerable.Range(1, worldSize - 1), host, port, configHocon, device: null);

    /// <summary>Starts one rank on this machine, on <paramref name="device"/> when it is a GPU node's: the <see cref="Actors.Cluster.RankStarter"/> of a trainer node.</summary>
    public static IRankProcesses StartOne(string runId, int rank, string host, int port, string configHocon, Device? device) =>
        Start(runId, [rank], host, port, configHocon, device);

    static RankProcesses Start(string runId, IEnumerable<int> ranks, string host, int port, string configHocon, Device? device)
    {
        var processes = new RankProcesses();
        try
        {
            foreach (var rank in ranks) processes.Start(runId, rank, host, port, configHocon, device);
        }
        catch
        {
            processes.Dispose();
            throw;
        }
        return processes;
    }

    /// <summary>In a rank: the config its launcher wrote on stdin; then the rank exits (code 3) when stdin closes.</summary>
    public static string ReadConfigAndWatchLauncher(int rank)
    {
        var config = new StringBuilder();
        for (var c = Console.In.Read(); c != EndOfConfig; c = Console.In.Read())
        {
            if (c == -1) throw new StlmException($"rank {rank}: its launcher closed stdin before the end of the run's config");
            config.Append((char)c);
        }
        new Thread(() =>
        {
            while (Console.In.Read() != -1) { }
            Console.Error.WriteLine($"stlm: rank {rank}: the process that started it went away; leaving the run");
            Environment.Exit(3);
        }) { IsBackground = true, Name = "launcher watch" }.Start();
        return config.ToString();
    }

    void Start(string runId, int rank, string host, int port, string configHocon, Device? device)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stlm.dll"));
        foreach (var a in new[] { "debug", "dp-rank", "--run-id", runId, "--rank", $"{rank}", "--master-addr", host, "--port", $"{port}" }) start.ArgumentList.Add(a);
        if (device is { } d) foreach (var a in new[] { "--device", d.ToString() }) start.ArgumentList.Add(a);
        // Fault points are rank 0's: it is the one that writes checkpoints and the journal.
        start.Environment.Remove(FaultPoint.Variable);
        var process = Process.Start(start)!;
        var child = new Child(rank, process, new StringBuilder());
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (child.Stderr) child.Stderr.AppendLine(line); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _children.Add(child);
        process.StandardInput.Write(configHocon);
        process.StandardInput.Write(EndOfConfig);
        process.StandardInput.Flush();
    }

    /// <summary>The ranks' process ids, rank 1 first.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _children.Select(c => c.Process.Id)];

    public string Ended() => string.Join("; ", _children.Where(c => c.Process.HasExited).Select(Describe));

    static string Describe(Child c)
    {
        var code = c.Process.ExitCode;
        var how = code > 128 ? $"was killed by signal {code - 128}{(code - 128 == 9 ? " (SIGKILL)" : "")}" : $"exited with code {code}";
        string last;
        lock (c.Stderr) last = Bench.DataParallelLaunch.LastLine(c.Stderr.ToString());
        return $"rank {c.Rank} (pid {c.Process.Id}) {how}" + (code is > 0 and <= 128 && last != "(no output)" ? $": {last}" : "");
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        foreach (var c in _children)
        {
            var left = timeout - clock.Elapsed;
            if (!c.Process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero)) return false;
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var c in _children)
        {
            try
            {
                if (!c.Process.HasExited) c.Process.Kill();
                c.Process.WaitForExit();
            }
            catch (InvalidOperationException) { }
            c.Process.Dispose();
        }
        _children.Clear();
    }
}
