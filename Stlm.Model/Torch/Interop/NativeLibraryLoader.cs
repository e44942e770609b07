using System.Reflection;
using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

/// <summary>
/// Finds libstlm_native.so: $STLM_NATIVE_LIB, beside the assembly, or in build/native of the
/// nearest enclosing checkout (so tests and tools run straight from bin/ find the fresh build).
/// </summary>
internal static class NativeLibraryLoader
{
    public const string LibraryName = "stlm_native";
    const string FileName = "libstlm_native.so";

    static int installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName) return 0;
        var path = Locate(assembly);
        if (path is null)
            throw new StlmException(
                $"{FileName} not found (looked in $STLM_NATIVE_LIB, beside {assembly.GetName().Name}.dll and in build/native above {AppContext.BaseDirectory}); run ./stlm once to build it");
        return NativeLibrary.Load(path);
    }

    internal static string? Locate(Assembly assembly)
    {
        var fromEnv = Environment.GetEnvironmentVariable("STLM_NATIVE_LIB");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (File.Exists(fromEnv)) return Path.GetFullPath(fromEnv);
            throw new StlmException($"STLM_NATIVE_LIB points to {fromEnv}, which does not exist; unset it or run ./stlm to build the shim");
        }
        var beside = Path.Combine(Path.GetDirectoryName(assembly.Location) ?? AppContext.BaseDirectory, FileName);
        if (File.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "build", "native", FileName);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
