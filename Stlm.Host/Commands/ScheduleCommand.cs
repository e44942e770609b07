using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Stlm.Actors.Configuration;
using Stlm.Actors.Schedules;
using Stlm.Host.Charts;
using Stlm.Model;
using Stlm.Model.Schedules;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm schedule [--config F] [--set k=v]… [--override lr*=0.5@1200]… [--steps N] [--out F.png|.svg] [--json]`:
/// the learning rate, dropout and early-exit policy the configured schedules give, at the steps
/// where something happens (every step with --json), and drawn over training with --out.
/// </summary>
public static class ScheduleCommand
{
    public static Command Create()
    {
        var command = new Command("schedule", "Show the learning-rate, dropout and early-exit schedules of a configuration");
        var options = ConfigOptions.AddTo(command);
        var overrides = new Option<string[]>("--override")
        {
            Description = "An operator override as a run would journal it: lr=3e-4, lr*=0.5, dropout=0, layer-dropout=0.1, exit-loss-scale=0.5, each optionally @STEP (repeatable, later wins)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var steps = new Option<long?>("--steps") { Description = "Steps to show (default: schedules.learning-rate.steps)" };
        var output = new Option<string?>("--out") { Description = "Draw the schedules over training to this .png or .svg file" };
        var json = SharedOptions.Json;
        command.Options.Add(overrides);
        command.Options.Add(steps);
        command.Options.Add(output);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var config = SchedulesSection.Load(options.Load(parse));
            var set = new ScheduleSet(config, [.. (parse.GetValue(overrides) ?? []).Select(o => ScheduleOverride.Parse(o))]);
            var count = parse.GetValue(steps) ?? config.LearningRate.Steps;
            if (count < 1) throw new StlmException($"--steps {count}: give at least 1 step");
            if (parse.GetValue(output) is { } path) ScheduleChart.Write(set, count, path);
            if (parse.GetValue(json)) WriteJson(Console.Out, set, count);
            else WriteTable(Console.Out, set, count);
            return 0;
        });
        return command;
    }

    static void WriteTable(TextWriter o, ScheduleSet set, long count)
    {
        var c = set.Config;
        o.WriteLine($"{count} steps: learning-rate {Kebab(c.LearningRate.Kind)}, dropout {Kebab(c.Dropout.Kind)}, " +
            $"early-exit {(c.EarlyExit.MaxLayerDropout > 0 || c.EarlyExit.LossScale > 0 ? $"on ({Kebab(c.EarlyExit.Curriculum)} curriculum)" : "off")}");
        foreach (var ov in set.Overrides) o.WriteLine($"override {ov}");
        var width = Math.Max(c.EarlyExit.NLayers * 5 - 1, 13);
        o.WriteLine($"{"step",8}  {"lr",11}  {"dropout",7}  {"layer dropout".PadRight(width)}  exit-loss weights (layer 0 first)");
        foreach (var step in ScheduleKeySteps.Of(set, count))
        {
            var v = set.At(step);
            o.WriteLine($"{step,8}  {F(v.LearningRate, "0.0000e+00"),11}  {F(v.Dropout, "0.0000"),7}  {Row(v.EarlyExit.LayerDropout).PadRight(width)}  {Row(v.EarlyExit.ExitLossWeights)}");
        }
    }

    static void WriteJson(TextWriter o, ScheduleSet set, long count)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("steps", count);
            w.WriteStartArray("overrides");
            foreach (var ov in set.Overrides)
            {
                w.WriteStartObject();
                w.WriteString("what", ov.What);
                w.WriteNumber("fromStep", ov.FromStep);
                w.WriteNumber("value", ov.Value);
                w.WriteString("mode", Kebab(ov.Mode));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("values");
            for (var step = 0L; step < count; step++)
            {
                var v = set.At(step);
                w.WriteStartObject();
                w.WriteNumber("step", step);
                w.WriteNumber("lr", v.LearningRate);
                w.WriteNumber("dropout", v.Dropout);
                Numbers(w, "layerDropout", v.EarlyExit.LayerDropout);
                Numbers(w, "exitLossWeights", v.EarlyExit.ExitLossWeights);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stream.Position = 0;
        using var reader = new StreamReader(stream);
        o.WriteLine(reader.ReadToEnd());
    }

    static void Numbers(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (var x in values) w.WriteNumberValue(x);
        w.WriteEndArray();
    }

    static string Row(IReadOnlyList<double> values) => string.Join(' ', values.Select(x => F(x, "0.00")));

    static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);

    static string Kebab<T>(T value) where T : Enum => ConfigBinder.Kebab(value.ToString());
}
