using System.Diagnostics;
using Stlm.Model.Faults;
using Stlm.Tests.Support;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// The real `stlm` as a child process whose output is read as it comes, so a test can wait for
/// a line (a fault point reached, a step logged) and then SIGKILL it there (<see cref="Kill"/>:
/// Process.Kill sends SIGKILL on Unix). Disposing kills a child still running.
/// </summary>
sealed class StlmChild : IDisposable
{
    readonly Process _process;
    readonly List<string> _out = [];
    readonly List<string> _err = [];
    readonly Lock _gate = new();

    public string Args { get; }

    StlmChild(Process process, string args)
    {
        _process = process;
        Args = args;
    }

    public static StlmChild Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartVia(null, workingDirectory, environment, args);

    /// <summary>Started by <paramref name="launcher"/> (e.g. `ip netns exec NS`, which becomes stlm: the pid is stlm's).</summary>
    public static StlmChild StartVia(IReadOnlyList<string>? launcher, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StlmProcess.StartInfo(workingDirectory, environment, args, launcher);
        // A fault point set in this test process is not the child's unless the test names one for it.
        if (!environment.ContainsKey(FaultPoint.Variable)) start.Environment.Remove(FaultPoint.Variable);
        var child = new StlmChild(new Process { StartInfo = start }, string.Join(' ', args));
        child._process.OutputDataReceived += (_, e) => child.Add(child._out, e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Add(child._err, e.Data);
        child._process.Start();
        child._process.StandardInput.Close();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    void Add(List<string> lines, string? line)
    {
        if (line is null) return;
        lock (_gate) lines.Add(line);
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string StdOut { get { lock (_gate) return string.Join('\n', _out); } }
    public string StdErr { get { lock (_gate) return string.Join('\n', _err); } }

    /// <summary>The first stderr line matching, waiting for it; null when the child exits (or the time runs out) without one.</summary>
    public string? WaitForErrorLine(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_gate)
                if (_err.FirstOrDefault(match) is { } line) return line;
            if (_process.HasExited || clock.Elapsed > timeout)
            {
                if (_process.HasExited) Drain();
                lock (_gate) return _err.FirstOrDefault(match);
            }
            Thread.Sleep(2);
        }
    }

    /// <summary>The fault marker line (see <see cref="FaultPoint"/>), once the child stopped there.</summary>
    public string? WaitForFault(TimeSpan? timeout = null) =>
        WaitForErrorLine(l => l.StartsWith(FaultPoint.Marker, StringComparison.Ordinal), timeout ?? TimeSpan.FromMinutes(2));

    /// <summary>SIGKILL (this process only, as when it alone crashes), then wait until it is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
        Drain();
    }

    /// <summary>
    /// Waits for the exited child's output to be read to its end, but never forever: a grandchild
    /// that inherited the pipes would hold them open after the child is gone.
    /// </summary>
    void Drain()
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { _process.WaitForExitAsync(bounded.Token).GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// The exit code once the child ends; when it runs past <paramref name="timeout"/> it is killed
    /// and a TimeoutException thrown, or with <paramref name="killAfter"/> false, -1 is returned and it runs on.
    /// </summary>
    public int WaitForExit(TimeSpan? timeout = null, bool killAfter = true)
    {
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            if (!killAfter) return -1;
            Kill();
            throw new TimeoutException($"stlm {Args} did not finish in time; stderr: {StdErr}");
        }
        Drain();
        return _process.ExitCode;
    }

    /// <summary>Kills what is still running, with whatever it started (a node's ranks), so nothing outlives the test.</summary>
    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            Drain();
        }
        catch (InvalidOperationException) { }   // never started, or already gone
        _process.Dispose();
    }
}
