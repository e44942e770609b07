using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

// Native/distributed.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int stlm_pg_nccl_available();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint stlm_pg_new(int backend, string masterAddr, int port, int rank, int worldSize, long timeoutMs);
    [LibraryImport(Lib)] internal static partial void stlm_pg_free(nint group);
    [LibraryImport(Lib)] internal static partial int stlm_pg_allreduce(nint group, nint* tensors, int n, int op);
    [LibraryImport(Lib)] internal static partial int stlm_pg_broadcast(nint group, nint* tensors, int n, int root);
    [LibraryImport(Lib)] internal static partial int stlm_pg_barrier(nint group);
}
