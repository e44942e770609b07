using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// Named tensors to and from safetensors files. Saving streams CPU contiguous tensors straight
/// from their storage (other tensors are first copied to contiguous CPU memory); loading copies
/// from the memory-mapped bytes either into new tensors or into existing ones in place, so a
/// model's parameters keep their identity (and the optimizer's references to them).
/// </summary>
public static unsafe class TensorSafetensors
{
    public static SafetensorsDType ToSafetensors(this DType dtype) => dtype switch
    {
        DType.Float32 => SafetensorsDType.F32,
        DType.BFloat16 => SafetensorsDType.BF16,
        DType.Float16 => SafetensorsDType.F16,
        DType.Float64 => SafetensorsDType.F64,
        DType.Int64 => SafetensorsDType.I64,
        DType.Int32 => SafetensorsDType.I32,
        DType.Int16 => SafetensorsDType.I16,
        DType.Int8 => SafetensorsDType.I8,
        DType.UInt8 => SafetensorsDType.U8,
        DType.Bool => SafetensorsDType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors dtype for it"),
    };

    /// <summary>The tensor dtype for a safetensors dtype, or null when libtorch has none (F8, U16, ...).</summary>
    public static DType? ToTorch(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => DType.Float32,
        SafetensorsDType.BF16 => DType.BFloat16,
        SafetensorsDType.F16 => DType.Float16,
        SafetensorsDType.F64 => DType.Float64,
        SafetensorsDType.I64 => DType.Int64,
        SafetensorsDType.I32 => DType.Int32,
        SafetensorsDType.I16 => DType.Int16,
        SafetensorsDType.I8 => DType.Int8,
        SafetensorsDType.U8 => DType.UInt8,
        SafetensorsDType.Bool => DType.Bool,
        _ => null,
    };

    /// <summary>
    /// Entries that write each tensor's bytes. CPU contiguous tensors are read in place and must
    /// stay alive (and unchanged) until the write is done; the copies made for the others are
    /// added to <paramref name="copies"/> for the caller to dispose afterwards.
    /// </summary>
    public static List<SafetensorsEntry> Entries(IEnumerable<KeyValuePair<string, Tensor>> tensors, List<Tensor> copies)
    {
        var entries = new List<SafetensorsEntry>();
        foreach (var (name, tensor) in tensors)
        {
            var source = tensor;
            if (tensor.Device.IsCuda || !tensor.IsContiguous)
            {
                using var detached = tensor.Detach();
                using var cpu = detached.Cpu();
                source = cpu.Contiguous().DetachFromScopes();
                copies.Add(source);
            }
            entries.Add(SafetensorsEntry.FromAddress(name, source.DType.ToSafetensors(), [.. source.Shape],
                (nint)Native.stlm_tensor_data_ptr(source.Handle)));
        }
        return entries;
    }

    /// <summary>Writes the tensors to one safetensors file (atomically unless told otherwise).</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, bool atomic = true)
    {
        var copies = new List<Tensor>();
        try
        {
            SafetensorsWriter.WriteFile(path, Entries(tensors, copies), metadata, atomic);
        }
        finally
        {
            foreach (var c in copies) c.Dispose();
        }
    }

    /// <summary>A new CPU tensor holding a copy of the named tensor's bytes.</summary>
    public static Tensor Load(this SafetensorsFile file, string name) => file.Load(file[name]);

    public static Tensor Load(this SafetensorsFile file, SafetensorsTensorInfo info)
    {
        var dtype = info.DType.ToTorch()
            ?? throw new StlmException($"{file.Source}: tensor '{info.Name}' is {info.DType.Name()}, which libtorch cannot hold");
        var shape = info.Shape.ToArray();
        fixed (long* s = shape)
            return Tensor.FromHandle(Native.stlm_from_host((void*)file.Address(info), info.ByteCount, s, shape.Length, (int)dtype));
    }

    /// <summary>Every tensor of the file as new CPU tensors, by name.</summary>
    public static Dictionary<string, Tensor> LoadAll(this SafetensorsFile file) =>
        file.Tensors.ToDictionary(t => t.Name, file.Load, StringComparer.Ordinal);

    /// <summary>
    /// Copies the named tensor's bytes into <paramref name="target"/> in place (any device), which
    /// must have the same dtype and shape; the mismatch is a one-line error naming the tensor.
    /// </summary>
    public static void CopyInto(this SafetensorsFile file, string name, Tensor target)
    {
        if (!file.Contains(name))
            throw new StlmException($"{file.Source}: has no tensor '{name}' that this model expects; the checkpoint was written for another architecture");
        var info = file[name];
        var dtype = info.DType.ToTorch();
        var shape = target.Shape;
        if (dtype != target.DType || !info.Shape.AsSpan().SequenceEqual(shape))
            throw new StlmException(
                $"{file.Source}: tensor '{name}' is {info.DType.Name()} {info.ShapeText} but the model's is {target.DType.ToSafetensors().Name()} [{string.Join(", ", shape)}]; the configuration changes the architecture, so resume with the original one or start a new run");
        if (!target.Device.IsCuda && target.IsContiguous)
        {
            // Writes the parameter's storage directly: no autograd record and no temporary.
            if (info.ByteCount > 0)
                Buffer.MemoryCopy((void*)file.Address(info), Native.stlm_tensor_data_ptr(target.Handle), info.ByteCount, info.ByteCount);
            return;
        }
        using var loaded = file.Load(info);
        using var _ = Torch.NoGrad();
        target.CopyInPlace(loaded);
    }

    /// <summary>Fills each given tensor from the same-named tensor of the file; names the file lacks are an error.</summary>
    public static void CopyInto(this SafetensorsFile file, IEnumerable<KeyValuePair<string, Tensor>> targets)
    {
        foreach (var (name, tensor) in targets) file.CopyInto(name, tensor);
    }

}
