using System.Diagnostics;

namespace Stlm.Actors.Training.Leases;

/// <summary>Whether a lease holder's process on this node still runs.</summary>
public static class LocalProcesses
{
    /// <summary>
    /// True when the holder runs on this node (by machine name) and its process has ended: no such pid, or a zombie waiting to be reaped (a
    /// SIGKILLed child reads so until its parent waits for it). A reused pid reads as alive, which
    /// only delays a takeover until the lease expires.
    /// </summary>
    public static bool IsGone(LeaseOwner holder)
    {
        if (holder.Node != Environment.MachineName || holder.ProcessId == Environment.ProcessId) return false;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{holder.ProcessId}/stat");
                var state = stat[stat.LastIndexOf(')') + 2];
                return state is 'Z' or 'X';
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
            {
                return e is FileNotFoundException or DirectoryNotFoundException;
            }
        }
        try
        {
            using var process = Process.GetProcessById(checked((int)holder.ProcessId));
            return process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException)
        {
            return true;
        }
    }
}
