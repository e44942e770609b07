namespace Stlm.Model.Training.DataParallel;

/// <summary>`training.data-parallel` (hocon/reference.conf documents each key).</summary>
public sealed record DataParallelConfig
{
    public const string Section = "training.data-parallel";

    /// <summary>Ranks (processes) of one run; 1 = no data parallelism.</summary>
    public int WorldSize { get; init; } = 1;
    /// <summary>Gradients travel in all-reduces of about this many megabytes each.</summary>
    public double BucketMb { get; init; } = 25;
    /// <summary>How long a collective (and joining the group) waits for the other ranks before the run fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Rank 0's TCP store port; 0 = an ephemeral port the launcher picks.</summary>
    public int Port { get; init; }

    public long BucketBytes => (long)(BucketMb * 1024 * 1024);

    public void Validate()
    {
        if (WorldSize < 1) throw new StlmException($"{Section}.world-size must be at least 1, got {WorldSize}");
        if (!(BucketMb > 0)) throw new StlmException($"{Section}.bucket-mb must be above 0, got {BucketMb}");
        if (Timeout <= TimeSpan.Zero) throw new StlmException($"{Section}.timeout must be above 0, got {Timeout}");
        if (Port is < 0 or > 65535) throw new StlmException($"{Section}.port must be 0 (ephemeral) or a TCP port up to 65535, got {Port}");
    }
}
