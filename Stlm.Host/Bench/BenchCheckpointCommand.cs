using System.CommandLine;
using System.Diagnostics;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench checkpoint`: for a model-sized set of weights with AdamW state, the time training
/// waits (capture: copying the tensors) against the time of the background write (hash, fsync,
/// rename), the write next to a bare fsync'd write of the same bytes in the same run (the "dd"
/// reference), and the time to open (verify every hash) and restore.
/// </summary>
public static class BenchCheckpointCommand
{
    public static Command Create()
    {
        var parameters = new Option<long>("--params") { Description = "Number of model parameters (f32)", DefaultValueFactory = _ => 10_000_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (the median is reported)", DefaultValueFactory = _ => 3 };
        var dir = new Option<string?>("--dir") { Description = "Folder to write into (default: a fresh temp folder, removed afterwards)" };
        var command = new Command("checkpoint", "Checkpoint capture vs background write vs a bare fsync'd write, and verified restore")
        {
            parameters, rounds, dir,
        };
        command.SetAction(parse => Run(parse.GetValue(parameters), parse.GetValue(rounds), parse.GetValue(dir)));
        return command;
    }

    static int Run(long parameterCount, int rounds, string? dir)
    {
        if (parameterCount < 1024) throw new StlmException($"--params {parameterCount}: give at least 1024");
        if (rounds < 1) throw new StlmException($"--rounds {rounds}: give at least 1");
        var root = dir ?? Path.Combine(Path.GetTempPath(), "stlm-bench-checkpoint-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            // Ten equal matrices with 512 columns stand in for a model's layers.
            var rows = Math.Max(1, parameterCount / 10 / 512);
            var weights = Enumerable.Range(0, 10)
                .Select(i => new KeyValuePair<string, Tensor>($"layers.{i}.weight", Torch.Randn([rows, 512]).DetachFromScopes().RequiresGrad_()))
                .ToList();
            using var adamw = new AdamW(weights.Select(w => w.Value));
            foreach (var (_, w) in weights) w.Grad = w.OnesLike();
            adamw.Step();
            var total = weights.Sum(w => w.Value.NumEl);
            Console.WriteLine($"{total:N0} parameters (f32) + AdamW moments = {RunText.Size(total * 12)} of tensors, {rounds} rounds, medians, in {root}");

            var capture = new List<double>();
            var write = new List<double>();
            var bare = new List<double>();
            var open = new List<double>();
            var restore = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                var info = CheckpointInfo.Create("bench", r + 1, 0, DataCursor.Start, "bench", "bench");
                var clock = Stopwatch.StartNew();
                using var snapshot = CheckpointSnapshot.Capture(info, weights, adamw);
                capture.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                var committed = snapshot.WriteAsync(root).GetAwaiter().GetResult();
                write.Add(clock.Elapsed.TotalMilliseconds);

                clock.Restart();
                BareWrite(Path.Combine(root, $"bare-{r}.bin"), committed.Bytes);
                bare.Add(clock.Elapsed.TotalMilliseconds);

                clock.Restart();
                var checkpoint = Checkpoint.Open(committed.Path);
                open.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                checkpoint.Restore(weights, adamw);
                restore.Add(clock.Elapsed.TotalMilliseconds);
            }
            var (c, w2, b, o, rs) = (Median(capture), Median(write), Median(bare), Median(open), Median(restore));
            Console.WriteLine($"capture (training waits)  {c,9:F1} ms");
            Console.WriteLine($"write (background)        {w2,9:F1} ms   {w2 / c:F1}x the capture");
            Console.WriteLine($"bare fsync'd write (dd)   {b,9:F1} ms   checkpoint write / bare write = {w2 / b:F2}");
            Console.WriteLine($"open + verify hashes      {o,9:F1} ms");
            Console.WriteLine($"restore in place          {rs,9:F1} ms");
            foreach (var (_, t) in weights) t.Dispose();
            return 0;
        }
        finally
        {
            if (dir is null) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The same number of bytes written in 1 MiB blocks and fsync'd: what `dd conv=fsync` does.</summary>
    static void BareWrite(string path, long bytes)
    {
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long done = 0; done < bytes; done += block.Length)
            file.Write(block, 0, (int)Math.Min(block.Length, bytes - done));
        file.Flush(flushToDisk: true);
    }

    static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
}
