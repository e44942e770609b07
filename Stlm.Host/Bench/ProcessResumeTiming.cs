using System.Diagnostics;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Training;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm resume RUN` as the user runs it — a new process — from its start to the first step it
/// journals (the journal polled every few milliseconds), then paused as Ctrl+C does (SIGINT:
/// checkpoint, then Paused). The run must be paused at a checkpoint, so its first step is new.
/// The child reports the phases of its start (<see cref="StartupTimeline"/>) in a temp file.
/// </summary>
public static class ProcessResumeTiming
{
    /// <summary>Milliseconds from the process start to its first journaled step, and the phases the child marked.</summary>
    public static async Task<(double Ms, IReadOnlyList<(string Phase, double Ms)> Phases, double CpuMs)> MeasureAsync(
        RunQueries query, string runId, IReadOnlyList<string> sets, CancellationToken cancel)
    {
        var persistenceId = RunIds.PersistenceId(runId);
        var seen = await LastSequenceNrAsync(query, persistenceId, 0, cancel);
        var start = StlmStart(["resume", runId, .. sets.SelectMany(s => new[] { "--set", s })]);
        var timelineFile = Path.Combine(Path.GetTempPath(), $"stlm-resume-timeline-{Guid.NewGuid():N}.json");
        start.Environment[SessionRunner.TimelineFileVariable] = timelineFile;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new StlmException("could not start `stlm resume`");
        try
        {
            var stderr = process.StandardError.ReadToEndAsync(cancel);
            _ = process.StandardOutput.ReadToEndAsync(cancel);
            while (!await StepJournaledAsync(query, persistenceId, seen, cancel))
            {
                if (process.HasExited)
                    throw new StlmException($"`stlm resume {runId}` ended (exit {process.ExitCode}) before a step: {Last(await stderr)}");
                await Task.Delay(3, cancel);
            }
            var elapsed = clock.Elapsed.TotalMilliseconds;
            var cpu = CpuMsOf(process.Id);
            Interrupt(process.Id);
            await process.WaitForExitAsync(cancel);
            if (process.ExitCode != 0) throw new StlmException($"`stlm resume {runId}` did not pause cleanly on Ctrl+C (exit {process.ExitCode}): {Last(await stderr)}");
            // The child's own last mark comes after its next step (see FirstStepReported); the journal had the step at `elapsed`.
            var phases = ReadPhases(timelineFile).Where(p => p.Phase != SessionRunner.FirstStepReported).ToList();
            // The kernel's process start time has 10 ms steps, so the child's clock may run a little ahead of ours.
            phases.Add(("journal write seen", Math.Max(0, elapsed - phases.Sum(p => p.Ms))));
            return (elapsed, phases, cpu);
        }
        finally
        {
            // A failure or Ctrl+C here must not leave the child training on its own, nor its timeline file behind.
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            File.Delete(timelineFile);
        }
    }

    /// <summary>User + system CPU time of a live process (all its threads), from /proc/PID/stat; NaN where there is none.</summary>
    static double CpuMsOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    static IReadOnlyList<(string Phase, double Ms)> ReadPhases(string file)
    {
        if (!File.Exists(file)) return [];
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        return [.. json.RootElement.EnumerateArray().Select(p => (p.GetProperty("Phase").GetString()!, p.GetProperty("Ms").GetDouble()))];
    }

    /// <summary>This very stlm (dotnet + stlm.dll, or the app host) with <paramref name="args"/>.</summary>
    static ProcessStartInfo StlmStart(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath ?? throw new StlmException("cannot tell where this stlm runs from");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ProcessResumeTiming).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    public static async Task<long> LastSequenceNrAsync(RunQueries query, string persistenceId, long from, CancellationToken cancel)
    {
        var last = from;
        await foreach (var e in query.CurrentEventsByPersistenceId(persistenceId, from + 1, long.MaxValue, cancel))
            last = e.SequenceNr;
        return last;
    }

    public static async Task<bool> StepJournaledAsync(RunQueries query, string persistenceId, long after, CancellationToken cancel)
    {
        await foreach (var e in query.CurrentEventsByPersistenceId(persistenceId, after + 1, long.MaxValue, cancel))
            if (e.Event is StepCompleted) return true;
        return false;
    }

    static void Interrupt(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    static string Last(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "";
}
