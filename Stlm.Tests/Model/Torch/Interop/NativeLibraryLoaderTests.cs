using Stlm.Model;
using Stlm.Model.LibTorch.Interop;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch.Interop;

/// <summary>Changes an environment variable, so it runs alone.</summary>
[Collection(nameof(TorchGlobalState))]
public class NativeLibraryLoaderTests
{
    [Fact]
    public void Shim_is_found_beside_the_assembly_or_in_the_build_folder()
    {
        var path = NativeLibraryLoader.Locate(typeof(NativeLibraryLoader).Assembly);
        Assert.NotNull(path);
        Assert.EndsWith("libstlm_native.so", path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_wrong_override_path_is_one_actionable_line()
    {
        var before = Environment.GetEnvironmentVariable("STLM_NATIVE_LIB");
        try
        {
            Environment.SetEnvironmentVariable("STLM_NATIVE_LIB", "/nonexistent/libstlm_native.so");
            var error = Assert.Throws<StlmException>(() => NativeLibraryLoader.Locate(typeof(NativeLibraryLoader).Assembly));
            Assert.Contains("/nonexistent/libstlm_native.so", error.Message);
            Assert.Contains("./stlm", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("STLM_NATIVE_LIB", before);
        }
    }
}
