using System.Diagnostics;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

/// <summary>The real `stlm` running in the background (as in another terminal), for tests that act on it meanwhile.</summary>
sealed class StlmChild : IDisposable
{
    readonly Process _process;
    readonly Task<string> _stdout;
    readonly Task<string> _stderr;

    StlmChild(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static StlmChild Start(string workingDirectory, IDictionary<string, string> environment, params string[] args)
    {
        return new StlmChild(StlmProcess.Start(StlmProcess.StartInfo(workingDirectory, environment, args)));
    }

    public bool HasExited => _process.HasExited;

    public async Task<StlmProcess.Result> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return new StlmProcess.Result(_process.ExitCode, await _stdout, await _stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
