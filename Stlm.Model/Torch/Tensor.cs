using System.Runtime.InteropServices;
using System.Text;
using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// A libtorch tensor. The wrapper owns one native reference: Dispose frees it, the enclosing
/// <see cref="TorchScope"/> frees it at its end, or (outside any scope) the finalizer does.
/// Ops live in the partial files beside this one (Tensor.Shape.cs, Tensor.Math.cs, ...).
/// </summary>
public sealed partial class Tensor : IDisposable
{
    nint handle;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TorchScope? Scope;

    Tensor(nint handle)
    {
        this.handle = handle;
        TorchScope.Current?.Register(this);
    }

    ~Tensor()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_tensor_free(h);
    }

    /// <summary>Wraps a new handle returned by the shim (null means it failed: throw its error).</summary>
    internal static Tensor FromHandle(nint h) => h != 0 ? new Tensor(h) : throw TorchException.FromLastError();

    /// <summary>The native at::Tensor* to pass to the shim; valid while this wrapper is alive.</summary>
    internal nint Handle => handle != 0 ? handle : throw new ObjectDisposedException(nameof(Tensor));

    public bool IsDisposed => handle == 0;

    public void Dispose()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_tensor_free(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves this tensor to the scope around its current one (or out of all scopes).</summary>
    public Tensor MoveToOuterScope()
    {
        Scope?.Release(this);
        return this;
    }

    /// <summary>Takes this tensor out of every scope: it lives until Dispose or the finalizer.</summary>
    public Tensor DetachFromScopes()
    {
        Scope?.Forget(this);
        return this;
    }

    /// <summary>A second wrapper sharing this tensor (and its storage); freed independently.</summary>
    public Tensor Alias() => FromHandle(Native.stlm_tensor_alias(Handle));

    // ---- metadata ----------------------------------------------------------------------------

    public int Dim => Native.stlm_tensor_dim(Handle);
    public long NumEl => Native.stlm_tensor_numel(Handle);
    public DType DType => (DType)Native.stlm_tensor_dtype(Handle);
    public int ElementSize => Native.stlm_tensor_element_size(Handle);
    public bool IsContiguous => Native.stlm_tensor_is_contiguous(Handle) != 0;

    public Device Device => Native.stlm_tensor_device_type(Handle) == 0
        ? Device.Cpu
        : Device.Cuda(Native.stlm_tensor_device_index(Handle));

    public unsafe long[] Shape
    {
        get
        {
            var shape = new long[Dim];
            fixed (long* p = shape) Native.stlm_tensor_sizes(Handle, p);
            return shape;
        }
    }

    public unsafe long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides) Native.stlm_tensor_strides(Handle, p);
            return strides;
        }
    }

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public unsafe long Size(long dim)
    {
        long size;
        Native.Check(Native.stlm_tensor_size(Handle, dim, &size));
        return size;
    }

    // ---- host memory -------------------------------------------------------------------------

    /// <summary>Copies the elements (any device, any layout) into a new array, in row-major order.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[checked((int)NumEl)];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, whose length must equal NumEl.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = destination)
            Native.Check(Native.stlm_to_host(Handle, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>
    /// The tensor's own memory, without a copy: CPU, contiguous, element type matching. The span is
    /// valid only while this tensor (and its storage) lives.
    /// </summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        if (Device.IsCuda) throw new InvalidOperationException("AsSpan needs a CPU tensor; use ToArray or To(Device.Cpu)");
        if (!IsContiguous) throw new InvalidOperationException("AsSpan needs a contiguous tensor; call Contiguous() first");
        return new Span<T>(Native.stlm_tensor_data_ptr(Handle), checked((int)NumEl));
    }

    unsafe void CheckElementType<T>() where T : unmanaged
    {
        if (sizeof(T) != ElementSize)
            throw new ArgumentException($"element type {typeof(T).Name} ({sizeof(T)} bytes) does not match tensor dtype {DType.ShortName()}");
        if (typeof(T) != typeof(ushort) && DTypeExtensions.Of<T>() != DType
            && !(typeof(T) == typeof(byte) && DType == DType.Bool))
            throw new ArgumentException($"element type {typeof(T).Name} does not match tensor dtype {DType.ShortName()}");
    }

    /// <summary>The single element as a double (any dtype).</summary>
    public unsafe double ToDouble()
    {
        double value;
        Native.Check(Native.stlm_item_double(Handle, &value));
        return value;
    }

    /// <summary>The single element as a long (any dtype; floats truncate).</summary>
    public unsafe long ToInt64()
    {
        long value;
        Native.Check(Native.stlm_item_long(Handle, &value));
        return value;
    }

    public float ToSingle() => (float)ToDouble();

    /// <summary>The single element, read as <typeparamref name="T"/> (which must match the dtype).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumEl != 1) throw new InvalidOperationException($"Item needs exactly one element, the tensor has {NumEl}");
        Span<T> one = stackalloc T[1];
        CopyTo(one);
        return one[0];
    }

    // ---- moves -------------------------------------------------------------------------------

    public Tensor To(DType dtype) => FromHandle(Native.stlm_to_dtype(Handle, (int)dtype));

    public Tensor To(Device device, bool nonBlocking = false) =>
        FromHandle(Native.stlm_to_device(Handle, (int)device.Type, device.Index, nonBlocking ? 1 : 0));

    public Tensor To(Device device, DType dtype) { using var moved = To(device); return moved.To(dtype); }

    public Tensor Cpu() => To(Device.Cpu);
    public Tensor Clone() => FromHandle(Native.stlm_clone(Handle));
    public Tensor Contiguous() => FromHandle(Native.stlm_contiguous(Handle));

    /// <summary>libtorch's printing: the values, then the type and shape.</summary>
    public override unsafe string ToString()
    {
        if (handle == 0) return "Tensor(disposed)";
        var buffer = new byte[4096];
        long length;
        fixed (byte* p = buffer) length = Native.stlm_tensor_to_string(handle, p, buffer.Length);
        if (length < 0) throw TorchException.FromLastError();
        if (length > buffer.Length)
        {
            buffer = new byte[length];
            fixed (byte* p = buffer) Native.stlm_tensor_to_string(handle, p, buffer.Length);
        }
        return Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    /// <summary>A one-line summary: shape, dtype, device.</summary>
    public string Describe() => $"Tensor[{string.Join(", ", Shape)}] {DType.ShortName()} {Device}";
}
