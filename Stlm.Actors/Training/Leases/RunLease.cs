using System.Globalization;
using Stlm.Model;

namespace Stlm.Actors.Training.Leases;

/// <summary>Who trains a run: a process on a node; Instance tells two holders in one process apart.</summary>
public sealed record LeaseOwner(string Node, long ProcessId, string Instance)
{
    /// <summary>This process, with a fresh instance id.</summary>
    public static LeaseOwner ThisProcess() =>
        new(Environment.MachineName, Environment.ProcessId, Guid.NewGuid().ToString("N"));
}

/// <summary>
/// The right to train a run until <see cref="Expires"/> (renew before then). The fencing token
/// grows with every new holder: writes that carry an older token are from a holder that lost it.
/// </summary>
public sealed record RunLease(string RunId, LeaseOwner Owner, long FencingToken, DateTime Acquired, DateTime Expires);

/// <summary>Another process holds the run's lease; the message says who, since when, and what to do.</summary>
public sealed class RunLeaseRefusedException(RunLease holder)
    : StlmException($"run {holder.RunId} is being trained by pid {holder.Owner.ProcessId} on node {holder.Owner.Node} " +
                    $"since {Clock(holder.Acquired)} UTC (lease until {Clock(holder.Expires)}); stop it with `stlm pause {holder.RunId}` or wait")
{
    public RunLease Holder { get; } = holder;

    internal static string Clock(DateTime utc) => utc.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>The lease was taken over (it had expired) or released: this holder must stop writing.</summary>
public sealed class RunLeaseLostException(RunLease lost, RunLease? now)
    : StlmException(now is null
        ? $"the lease of run {lost.RunId} (fencing token {lost.FencingToken}) was released: stop training it here"
        : $"the lease of run {lost.RunId} (fencing token {lost.FencingToken}) was taken over by pid {now.Owner.ProcessId} on node {now.Owner.Node} " +
          $"at {RunLeaseRefusedException.Clock(now.Acquired)} UTC (token {now.FencingToken}): stop training it here")
{
    public RunLease Lost { get; } = lost;
    public RunLease? Now { get; } = now;
}
