using System.CommandLine;
using System.Text.Json;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.LibTorch;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench torch` (a subcommand of BenchCommand): the binding's per-call overhead and matmul throughput, each next to the
/// same op called from C++ in the same run, printed as ratios (goals: under 1 µs per small op
/// above libtorch's own, matmul within 3%), plus matmul at 1 vs 2 intra-op threads.
/// </summary>
public static class BenchTorchCommand
{
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds per measurement (the median is reported)", DefaultValueFactory = _ => 9 };
        var iterations = new Option<long>("--iterations") { Description = "Small-op calls per round", DefaultValueFactory = _ => 50_000 };
        var sizes = new Option<string>("--sizes") { Description = "Matmul sizes n (n×n @ n×n, f32), comma-separated", DefaultValueFactory = _ => "1024,2048" };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N]", DefaultValueFactory = _ => "cpu" };
        var json = SharedOptions.Json;
        var torch = new Command("torch", "Binding overhead and matmul GFLOP/s, C# vs libtorch from C++ in the same run")
        {
            rounds, iterations, sizes, device, json,
        };
        torch.SetAction(parse => Run(parse.GetValue(rounds), parse.GetValue(iterations), parse.GetValue(sizes)!,
            Device.Parse(parse.GetValue(device)!), parse.GetValue(json)));
        return torch;
    }

    static int Run(int rounds, long iterations, string sizes, Device device, bool json)
    {
        if (rounds < 1) throw new StlmException($"--rounds {rounds}: give at least 1");
        if (iterations < 10) throw new StlmException($"--iterations {iterations}: give at least 10");
        var ns = sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, out var n) && n > 0 ? n : throw new StlmException($"--sizes: '{s}' is not a positive whole number; use e.g. --sizes 1024,2048"))
            .ToArray();
        if (device.IsCuda && !Torch.CudaIsAvailable)
            throw new StlmException($"--device {device}: this libtorch sees no CUDA device; use --device cpu");

        var log = json ? TextWriter.Null : Console.Out;
        log.WriteLine($"libtorch {Torch.Version} on {device}, {rounds} rounds, medians");
        var bench = new TorchBenchmark(rounds, device, log);
        var small = new[] { bench.Add(1, iterations), bench.Add(16, iterations) };
        var threadCounts = device.IsCuda ? new[] { NativeBench.IntraOpThreads } : new[] { 1, 2 };
        var matmuls = ns.SelectMany(n => threadCounts.Select(t => bench.MatMulSquare(n, t))).ToArray();

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                torch = Torch.Version,
                device = device.ToString(),
                rounds,
                small_ops = small.Select(s => new { op = s.Name, elements = s.Elements, csharp_ns = s.CSharpNs, native_ns = s.NativeNs, overhead_ns = s.OverheadNs, ratio = s.Ratio }),
                matmul = matmuls.Select(m => new { n = m.Size, threads = m.Threads, csharp_gflops = m.CSharpGflops, native_gflops = m.NativeGflops, ratio = m.Ratio }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        Console.WriteLine();
        Console.WriteLine("(overhead and ratios: medians of the per-round values)");
        Console.WriteLine("small op       C# ns/op   C++ ns/op   overhead   C#/C++   goal < 1000 ns");
        foreach (var s in small)
            Console.WriteLine($"{$"add[{s.Elements}]",-12} {s.CSharpNs,11:F0} {s.NativeNs,11:F0} {s.OverheadNs,8:F0} ns {s.Ratio,8:F2}   {(s.OverheadNs < 1000 ? "met" : "MISSED")}");
        Console.WriteLine();
        Console.WriteLine("matmul f32     threads   C# GFLOP/s   C++ GFLOP/s   C#/C++   goal >= 0.97");
        foreach (var m in matmuls)
            Console.WriteLine($"{$"{m.Size}^3",-12} {m.Threads,9} {m.CSharpGflops,12:F1} {m.NativeGflops,13:F1} {m.Ratio,8:F3}   {(m.Ratio >= 0.97 ? "met" : "MISSED")}");
        foreach (var n in ns)
        {
            var one = matmuls.FirstOrDefault(m => m.Size == n && m.Threads == 1);
            var two = matmuls.FirstOrDefault(m => m.Size == n && m.Threads == 2);
            if (one is not null && two is not null)
                Console.WriteLine($"intra-op threads 2 vs 1 at {n}^3: {two.NativeGflops / one.NativeGflops:F2}x (C++), {two.CSharpGflops / one.CSharpGflops:F2}x (C#)");
        }
        return 0;
    }
}
