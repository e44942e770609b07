using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Model.Nn;

/// <summary>Named tensors to and from .safetensors files (state dicts, exports).</summary>
public static class TensorFiles
{
    /// <summary>Writes the tensors (copied to the host) atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsWriter.WriteFile(path, tensors.Select(t => ToEntry(t.Key, t.Value)).ToList(), metadata);

    /// <summary>Reads every tensor of a file as CPU tensors (in the caller's TorchScope, if any).</summary>
    public static List<KeyValuePair<string, Tensor>> Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return file.Tensors.Select(info => KeyValuePair.Create(info.Name, ToTensor(file, info))).ToList();
    }

    /// <summary>Saves a module's state dict.</summary>
    public static void Save(Module module, string path) => Write(path, module.StateDict());

    /// <summary>Loads a state dict saved by <see cref="Save"/> (strict: names and shapes must match).</summary>
    public static void Load(Module module, string path)
    {
        using var scope = TorchScope.Begin();
        module.LoadStateDict(Read(path));
    }

    public static SafetensorsEntry ToEntry(string name, Tensor tensor)
    {
        var shape = tensor.Shape.ToImmutableArray();
        return tensor.DType switch
        {
            DType.Float32 => SafetensorsEntry.FromBytes(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes<float>(tensor.ToArray<float>()).ToArray()),
            DType.BFloat16 => SafetensorsEntry.FromBytes(name, SafetensorsDType.BF16, shape, MemoryMarshal.AsBytes<ushort>(tensor.ToArray<ushort>()).ToArray()),
            DType.Float16 => SafetensorsEntry.FromBytes(name, SafetensorsDType.F16, shape, MemoryMarshal.AsBytes<ushort>(tensor.ToArray<ushort>()).ToArray()),
            DType.Float64 => SafetensorsEntry.FromBytes(name, SafetensorsDType.F64, shape, MemoryMarshal.AsBytes<double>(tensor.ToArray<double>()).ToArray()),
            DType.Int64 => SafetensorsEntry.FromBytes(name, SafetensorsDType.I64, shape, MemoryMarshal.AsBytes<long>(tensor.ToArray<long>()).ToArray()),
            _ => throw new ArgumentException($"tensor '{name}': dtype {tensor.DType.ShortName()} is not written to safetensors here"),
        };
    }

    public static Tensor ToTensor(SafetensorsFile file, SafetensorsTensorInfo info)
    {
        var bytes = file.Bytes(info);
        var shape = info.Shape.AsSpan();
        return info.DType switch
        {
            SafetensorsDType.F32 => Torch.From(MemoryMarshal.Cast<byte, float>(bytes), shape),
            SafetensorsDType.BF16 => Torch.From(MemoryMarshal.Cast<byte, ushort>(bytes), shape, DType.BFloat16),
            SafetensorsDType.F16 => Torch.From(MemoryMarshal.Cast<byte, ushort>(bytes), shape, DType.Float16),
            SafetensorsDType.F64 => Torch.From(MemoryMarshal.Cast<byte, double>(bytes), shape),
            SafetensorsDType.I64 => Torch.From(MemoryMarshal.Cast<byte, long>(bytes), shape),
            _ => throw new StlmException($"{file.Source}: tensor '{info.Name}' has dtype {info.DType.Name()}, which Stlm does not load; convert it to F32, BF16 or F16"),
        };
    }
}
