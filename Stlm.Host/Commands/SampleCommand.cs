using System.CommandLine;
using System.Globalization;
using Stlm.Host.CommandLine;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Generation;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm sample CHECKPOINT "prompt" [--max-tokens N --temperature T --top-k K --top-p P --seed S] [--json]`:
/// continues the prompt with the checkpoint's model, whatever its architecture (tokens, byte
/// chunks or bytes: --max-tokens counts the model's units). Temperature 0 is greedy; the seed
/// makes sampling repeatable.
/// </summary>
public static class SampleCommand
{
    public sealed record SampleReport(string Checkpoint, long Step, string Architecture, string Prompt, string Text,
        int Generated, string Unit, double? AverageExitLayer);

    public static Command Create()
    {
        var checkpoint = new Argument<string>("CHECKPOINT") { Description = CheckpointReference.Help };
        var prompt = new Argument<string>("prompt") { Description = "The text to continue" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Units to generate at most (tokens; chunks or bytes for the byte models)", DefaultValueFactory = _ => 100, HelpName = "N" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = greedy", DefaultValueFactory = _ => 1.0, HelpName = "T" };
        var topK = new Option<int>("--top-k") { Description = "Sample among the K likeliest only (0 = off)", DefaultValueFactory = _ => 0, HelpName = "K" };
        var topP = new Option<double>("--top-p") { Description = "Sample among the likeliest whose probability reaches P (1 = off)", DefaultValueFactory = _ => 1.0, HelpName = "P" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampler", DefaultValueFactory = _ => 1337UL, HelpName = "S" };
        var json = SharedOptions.Json;
        var command = new Command("sample", "Sample text from a checkpoint's model: continue a prompt")
        {
            checkpoint, prompt, maxTokens, temperature, topK, topP, seed, json,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK), TopP = parse.GetValue(topP), Seed = parse.GetValue(seed),
            };
            options.Validate();
            var loaded = await CheckpointReference.LoadModelAsync(parse.GetValue(checkpoint)!, config.Load(parse), ct);
            var text = parse.GetValue(prompt)!;
            var result = LanguageModelGenerator.Generate(loaded.Model, loaded.Tokenizer, text, options);
            if (parse.GetValue(json))
                RunsJson.Print(new SampleReport(loaded.Checkpoint.Path, loaded.Checkpoint.Info.Step, loaded.Recipe.Model.Architecture.ToString(),
                    text, result.Text, result.Units, result.Unit, result.AverageExitLayer));
            else
            {
                Console.Out.WriteLine(text + result.Text);
                var exits = result.AverageExitLayer is { } layers ? string.Format(CultureInfo.InvariantCulture, ", {0:F2} layers per token on average", layers) : "";
                Console.Error.WriteLine($"({result.Units} {result.Unit} generated{exits})");
            }
            return 0;
        });
        return command;
    }
}
