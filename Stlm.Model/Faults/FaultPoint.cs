namespace Stlm.Model.Faults;

/// <summary>
/// Crash-test hooks for the guarantee tests (Stlm.Tests/EndToEnd): with
/// STLM_FAULT=POINT[@N] in the environment, the N-th time (default: the first) the process
/// reaches POINT it writes one line "stlm-fault: reached POINT …" to stderr and blocks that
/// thread for good, so the test can SIGKILL the process exactly there. Unset, a hook costs one
/// read of a static readonly field (a constant to the JIT), so it may sit on a hot path.
/// <list type="bullet">
/// <item>checkpoint:model.safetensors, checkpoint:optimizer.safetensors, checkpoint:rng.safetensors,
/// checkpoint:checkpoint.json — that file is written and fsync'd in the checkpoint's temp folder;</item>
/// <item>checkpoint:rename — every file is durable, the temp folder not yet renamed;</item>
/// <item>journal:before-commit — a batch of events is inserted, its transaction not yet committed.</item>
/// </list>
/// </summary>
public static class FaultPoint
{
    public const string Variable = "STLM_FAULT";
    public const string Marker = "stlm-fault: reached ";
    public const string JournalBeforeCommit = "journal:before-commit";

    public static readonly IReadOnlyList<string> Known =
    [
        "checkpoint:model.safetensors", "checkpoint:optimizer.safetensors", "checkpoint:rng.safetensors",
        "checkpoint:checkpoint.json", "checkpoint:rename", JournalBeforeCommit,
    ];

    static readonly FaultPlan? Plan = Load();

    /// <summary>True when STLM_FAULT names a fault point for this process.</summary>
    public static bool Armed => Plan is not null;

    /// <summary>Stops here for good when this is the planned hit of <paramref name="point"/>.</summary>
    public static void Reach(string point)
    {
        if (Plan is not { } plan || !plan.Hit(point)) return;
        Console.Error.WriteLine($"{Marker}{point} (hit {plan.Occurrence}, pid {Environment.ProcessId}); waiting to be killed");
        Console.Error.Flush();
        Thread.Sleep(Timeout.Infinite);
    }

    static FaultPlan? Load()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        try
        {
            return FaultPlan.Parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            // A test hook must not change what a normal run does: say it loudly, then run normally.
            Console.Error.WriteLine($"stlm-fault: {Variable}={text} ignored: {e.Message} (expected POINT or POINT@N)");
            return null;
        }
    }
}
