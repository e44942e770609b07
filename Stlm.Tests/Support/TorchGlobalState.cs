namespace Stlm.Tests.Support;

/// <summary>
/// Tests that depend on process-wide state — the global random generator's sequence after a
/// seed, resident memory, environment variables — run in this collection, alone.
/// </summary>
[CollectionDefinition(nameof(TorchGlobalState), DisableParallelization = true)]
public sealed class TorchGlobalState;
