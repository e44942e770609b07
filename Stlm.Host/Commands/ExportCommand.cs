using System.CommandLine;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm export CHECKPOINT --format hf-llama --out DIR`: a checkpoint's Llama as a Hugging Face
/// folder — config.json, model.safetensors and, when the run used a BPE, vocab.json +
/// merges.txt + tokenizer_config.json — that transformers' LlamaForCausalLM loads as is. Shared
/// and LoRA layers are written out in full (LlamaExport). Other architectures have no Hugging
/// Face Llama form and are refused.
/// </summary>
public static class ExportCommand
{
    public static readonly IReadOnlyList<string> Formats = ["hf-llama"];

    public static Command Create()
    {
        var checkpoint = new Argument<string>("CHECKPOINT") { Description = CheckpointReference.Help };
        var format = new Option<string>("--format") { Description = "Export format: hf-llama", DefaultValueFactory = _ => "hf-llama", HelpName = "FORMAT" };
        var output = new Option<string>("--out") { Description = "Folder to write (created; existing files of the same names are replaced)", HelpName = "DIR", Required = true };
        var command = new Command("export", "Write a checkpoint as a Hugging Face Llama folder") { checkpoint, format, output };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var kind = parse.GetValue(format)!;
            if (!Formats.Contains(kind)) throw new StlmException($"--format {kind} is not known; use {string.Join(", ", Formats)}");
            var loaded = await CheckpointReference.LoadModelAsync(parse.GetValue(checkpoint)!, config.Load(parse), ct);
            if (loaded.Model is not LlamaForCausalLM llama)
                throw new StlmException($"export --format hf-llama: the checkpoint is a {loaded.Recipe.Model.Architecture} model, which has no Hugging Face Llama form; only architecture = llama exports");
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            LlamaExport.Write(llama, directory, loaded.Tokenizer is BpeTokenizer ? loaded.Tokenizer : null);
            var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal);
            Console.Out.WriteLine($"exported {loaded.Checkpoint.Name} ({llama.CountParameters().Total:N0} parameters) to {directory}: {string.Join(", ", files)}");
            return 0;
        });
        return command;
    }
}
