using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// Rank 0 tells the other ranks what to do next over the group itself: a message is its length,
/// then its bytes, each broadcast from rank 0. The other ranks wait for it in the broadcast, so
/// a rank 0 that died (socket closed) or went silent (the group's timeout) ends their wait with a
/// <see cref="RankLostException"/>.
/// </summary>
public sealed class RankChannel(ProcessGroup group)
{
    /// <summary>On rank 0: every other rank receives <paramref name="message"/>.</summary>
    public void Send(byte[] message)
    {
        if (group.Rank != 0) throw new InvalidOperationException($"rank {group.Rank} cannot send: only rank 0 leads");
        Broadcast(message.Length, message);
    }

    /// <summary>On ranks 1 and up: the next message rank 0 sends.</summary>
    public byte[] Receive() => Broadcast(0, null);

    byte[] Broadcast(long length, byte[]? message)
    {
        try
        {
            using var scope = TorchScope.Begin();
            var size = Torch.From([length], 1);
            group.Broadcast(size, root: 0);
            var n = size.ToArray<long>()[0];
            var bytes = message ?? new byte[n];
            var payload = Torch.From<byte>(bytes, [n], DType.UInt8);
            group.Broadcast(payload, root: 0);
            return message ?? payload.ToArray<byte>();
        }
        catch (TorchException e)
        {
            throw new RankLostException(
                $"data-parallel rank {group.Rank} of {group.WorldSize}: rank 0 {(group.Rank == 0 ? "could not reach the other ranks" : "went away")} " +
                $"(no answer within {group.Options.EffectiveTimeout.TotalSeconds:0.#}s, training.data-parallel.timeout): {e.Message.Split('\n', 2)[0].Trim()}");
        }
    }
}
