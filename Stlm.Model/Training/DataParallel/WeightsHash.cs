using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Training.DataParallel;

/// <summary>SHA-256 over every state-dict entry's name and bits, in the module's order: equal hashes mean bit-identical weights.</summary>
public static class WeightsHash
{
    public static byte[] Of(Module module)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = TorchScope.Begin();
        foreach (var (name, tensor) in module.StateDict())
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            sha.AppendData(Bits(tensor));
        }
        return sha.GetHashAndReset();
    }

    public static string Hex(Module module) => Convert.ToHexStringLower(Of(module));

    static byte[] Bits(Tensor t) => t.DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray(),
        _ when t.ElementSize == 2 => MemoryMarshal.AsBytes(t.ToArray<ushort>().AsSpan()).ToArray(),
        _ => MemoryMarshal.AsBytes(t.To(DType.Float64).ToArray<double>().AsSpan()).ToArray(),
    };
}
