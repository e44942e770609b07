using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>An error raised inside libtorch (shape mismatch, bad dtype, out of memory, ...).</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    /// <summary>The calling thread's last native error, trimmed to libtorch's own message.</summary>
    internal static TorchException FromLastError() => new(Trim(Native.LastError()));

    // libtorch appends C++ frames and "Exception raised from ..." lines; the first lines say it all.
    internal static string Trim(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var kept = lines.TakeWhile(l => !l.StartsWith("Exception raised from", StringComparison.Ordinal)
                                        && !l.StartsWith("frame #", StringComparison.Ordinal)).Take(4);
        var text = string.Join(" ", kept);
        return text.Length == 0 ? "libtorch failed without a message" : text;
    }
}
