using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// A rename is durable only once the directory holding it is synced; .NET has no call for
/// that, so on Linux we open the directory and fsync it through libc.
/// </summary>
public static partial class Durability
{
    const int ReadOnly = 0, Directory = 0x10000; // O_RDONLY, O_DIRECTORY on Linux

    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open(directory, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot sync directory {directory} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally { Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
