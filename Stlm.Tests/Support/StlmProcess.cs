using System.Diagnostics;

namespace Stlm.Tests.Support;

/// <summary>Runs the real `stlm` executable (built beside the tests) as a child process.</summary>
public static class StlmProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    public static Result Run(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(StartInfo(workingDirectory, environment, args));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"stlm {string.Join(' ', args)} did not finish in 5 minutes");
        }
        // Bounded: a grandchild that inherited the pipes could hold them open after stlm is gone.
        if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"stlm {string.Join(' ', args)} exited but its output stayed open (a process it started is still running)");
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts it with its stdin already at its end, so a child never waits on the test runner's stdin.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>
    /// `dotnet stlm.dll args` in <paramref name="workingDirectory"/> with its output redirected and <paramref name="environment"/> added;
    /// with a <paramref name="launcher"/> (e.g. `ip netns exec NS`), that command runs it.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<KeyValuePair<string, string>>? environment, IEnumerable<string> args,
        IReadOnlyList<string>? launcher = null)
    {
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (launcher is { Count: > 0 })
            foreach (var a in launcher.Skip(1).Append("dotnet")) start.ArgumentList.Add(a);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stlm.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? []) start.Environment[k] = v;
        return start;
    }
}
