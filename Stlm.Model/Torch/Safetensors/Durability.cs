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

    /// <summary>
    /// Starts writing a file's dirty pages to disk without waiting (Linux sync_file_range), so
    /// the disk works while the caller writes the next file; a later fsync still decides
    /// durability. Elsewhere (or where the call fails) it does nothing: the fsync does it all.
    /// </summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file) => StartWriteback(file, 0, 0);

    /// <summary>As <see cref="StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle)"/>, for bytes [offset, offset + count) only (count 0: to the end).</summary>
    public static void StartWriteback(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            SyncFileRange((int)file.DangerousGetHandle(), offset, count, SyncFileRangeWrite);
        }
        finally
        {
            if (added) file.DangerousRelease();
        }
    }

    const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
