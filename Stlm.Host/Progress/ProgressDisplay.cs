using Spectre.Console;

namespace Stlm.Host.Progress;

public enum ProgressMode
{
    /// <summary>Live when the terminal redraws in place, plain lines otherwise.</summary>
    Auto,
    Live,
    Plain,
}

/// <param name="Unit">What is counted, e.g. "tokens", "steps", "B" (shown as kB/MB).</param>
/// <param name="PlainInterval">How often plain mode prints a line (default 10 s).</param>
public sealed record ProgressOptions(
    string Description,
    long? Total,
    string Unit = "",
    ProgressMode Mode = ProgressMode.Auto,
    TimeSpan? PlainInterval = null,
    long Initial = 0);

/// <summary>
/// Progress of one long piece of work (training, tokenizing, checkpoint copies): a Spectre
/// bar with count, rate, ETA and live fields (loss, lr) on a terminal, or a plain line every
/// few seconds when the output is redirected or in CI. Report from any thread; dispose to
/// finish, which prints the final state.
/// </summary>
public sealed class ProgressDisplay : IDisposable
{
    readonly ProgressOptions options;
    readonly Terminal terminal;
    readonly TimeProvider time;
    readonly long started;
    readonly RateMeter rate = new(TimeSpan.FromSeconds(10));
    readonly Lock gate = new();
    readonly List<KeyValuePair<string, string>> fields = [];
    Task? live;
    readonly CancellationTokenSource stop = new();
    readonly TaskCompletionSource liveStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    string description;
    long completed;
    TimeSpan? lastPlain;
    bool disposed;

    public bool IsLive => live is not null;

    ProgressDisplay(ProgressOptions options, Terminal terminal, TimeProvider time)
    {
        this.options = options;
        this.terminal = terminal;
        this.time = time;
        description = options.Description;
        started = time.GetTimestamp();
        // Work done before (a resumed run's steps) is where the count starts, not part of the rate.
        completed = options.Initial;
        rate.Add(TimeSpan.Zero, options.Initial);
        var wantLive = options.Mode == ProgressMode.Live || (options.Mode == ProgressMode.Auto && terminal.CanShowLive);
        if (wantLive)
        {
            live = Task.Run(RunLive);
            // Lines written after Start must already go through the live console.
            Task.WaitAny(liveStarted.Task, live);
            if (live.IsFaulted)
            {
                // Spectre draws one live display at a time; a second one reports in plain lines.
                _ = live.Exception;
                live = null;
            }
        }
    }

    public static ProgressDisplay Start(ProgressOptions options, Terminal? terminal = null, TimeProvider? time = null) =>
        new(options, terminal ?? Terminal.Stderr, time ?? TimeProvider.System);

    /// <summary>Sets how much is done (absolute).</summary>
    public void Report(long done)
    {
        string? line = null;
        lock (gate)
        {
            completed = done;
            var now = time.GetElapsedTime(started);
            rate.Add(now, done);
            if (live is null && (lastPlain is null || now - lastPlain >= (options.PlainInterval ?? TimeSpan.FromSeconds(10))))
            {
                lastPlain = now;
                line = SnapshotLocked(now).ToPlainLine();
            }
        }
        if (line is not null) terminal.WriteLine(line);
    }

    public void Advance(long by = 1)
    {
        long done;
        lock (gate) done = completed + by;
        Report(done);
    }

    /// <summary>A live field shown after the rate, e.g. Set("loss", 3.21, "0.000").</summary>
    public void Set(string name, double value, string format = "G4") =>
        Set(name, value.ToString(format, System.Globalization.CultureInfo.InvariantCulture));

    public void Set(string name, string value)
    {
        lock (gate)
        {
            var i = fields.FindIndex(f => f.Key == name);
            if (i >= 0) fields[i] = new(name, value);
            else fields.Add(new(name, value));
        }
    }

    public void Describe(string text)
    {
        lock (gate) description = text;
    }

    public ProgressSnapshot Snapshot()
    {
        lock (gate) return SnapshotLocked(time.GetElapsedTime(started));
    }

    ProgressSnapshot SnapshotLocked(TimeSpan now) =>
        new(description, completed, options.Total, options.Unit, rate.PerSecond, now, [.. fields]);

    async Task RunLive()
    {
        var console = terminal.Console;
        var began = false;
        try
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(
                    new TaskDescriptionColumn(),
                    new ProgressBarColumn(),
                    new PercentageColumn(),
                    new SnapshotColumn(this, s => s.CountText),
                    new SnapshotColumn(this, s => s.RateText),
                    new SnapshotColumn(this, s => s.Total is null ? "" : "ETA " + s.EtaText),
                    new SnapshotColumn(this, s => s.FieldsText))
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(description, maxValue: options.Total is > 0 ? options.Total.Value : 1);
                    task.IsIndeterminate = options.Total is null;
                    terminal.BeginLive();
                    began = true;
                    liveStarted.TrySetResult();
                    while (true)
                    {
                        var s = Snapshot();
                        task.Description = s.Description;
                        task.Value = options.Total is null ? 0 : Math.Min(s.Completed, options.Total.Value);
                        if (stop.IsCancellationRequested) break;
                        try { await Task.Delay(100, stop.Token); }
                        catch (OperationCanceledException) { }
                    }
                    task.StopTask();
                });
        }
        finally
        {
            if (began) terminal.EndLive();
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (live is not null)
        {
            stop.Cancel();
            live.GetAwaiter().GetResult();
        }
        else
        {
            var s = Snapshot();
            terminal.WriteLine(s.ToPlainLine() + "  done");
        }
        stop.Dispose();
    }
}
