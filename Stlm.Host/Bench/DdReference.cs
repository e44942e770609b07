using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// The reference for durable writes: `dd if=/dev/zero of=FILE bs=1M count=BYTES iflag=count_bytes
/// conv=fsync` run as a process, timed by dd itself (its "copied, S s" line covers the writes
/// and the final fsync, not the process start). The file is removed afterwards.
/// </summary>
public static partial class DdReference
{
    public static double WriteSeconds(string file, long bytes) => Write(file, bytes).Seconds;

    /// <summary>dd's own time and the CPU time it used (user + system, from the children's rusage).</summary>
    public static (double Seconds, double CpuMs) Write(string file, long bytes)
    {
        var cpuBefore = ChildrenCpuMs();
        var start = new ProcessStartInfo("dd") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "if=/dev/zero", $"of={file}", "bs=1M", $"count={bytes}", "iflag=count_bytes", "conv=fsync" })
            start.ArgumentList.Add(a);
        start.Environment["LC_ALL"] = "C";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new StlmException($"cannot run dd for the reference write ({e.Message}); install coreutils");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            File.Delete(file);
            if (process.ExitCode != 0)
                throw new StlmException($"dd failed writing {file} (exit {process.ExitCode}): {stderr.Trim().ReplaceLineEndings(" ")}");
            var copied = Copied().Match(stderr);
            if (!copied.Success || long.Parse(copied.Groups[1].Value, CultureInfo.InvariantCulture) != bytes)
                throw new StlmException($"dd did not report {bytes} bytes copied: {stderr.Trim().ReplaceLineEndings(" ")}");
            return (double.Parse(copied.Groups[2].Value, CultureInfo.InvariantCulture), ChildrenCpuMs() - cpuBefore);
        }
    }

    /// <summary>CPU time of this process's finished children (RUSAGE_CHILDREN); NaN where it cannot be read.</summary>
    static double ChildrenCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        Span<long> usage = stackalloc long[18]; // struct rusage: two timevals, then 14 longs
        unsafe
        {
            fixed (long* u = usage)
                if (GetRusage(-1, u) != 0) return double.NaN; // RUSAGE_CHILDREN
        }
        return (usage[0] + usage[2]) * 1000.0 + (usage[1] + usage[3]) / 1000.0;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getrusage")]
    private static unsafe partial int GetRusage(int who, long* usage);

    [GeneratedRegex(@"^(\d+) bytes.*copied, ([0-9.e+-]+) s", RegexOptions.Multiline)]
    private static partial Regex Copied();
}
