using System.CommandLine;
using System.Diagnostics;
using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Host.Commands;

/// <summary>`stlm tokenizer encode|train`: the token ids of a text; learn a byte-level BPE (`train --input FILE --vocab-size N --out DIR`).</summary>
public static class TokenizerCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "UTF-8 text corpus (<|endoftext|> separates documents)", Required = true };
        var vocabSize = new Option<int>("--vocab-size") { Description = $"Vocabulary size including 256 bytes and <|endoftext|> (at least {BpeTrainer.MinVocabSize})", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write vocab.json and merges.txt to", Required = true };
        var train = new Command("train", "Learn a byte-level BPE vocabulary from a corpus (GPT-2 pre-tokenisation)") { input, vocabSize, output };
        train.SetAction(parse => Train(parse.GetValue(input)!, parse.GetValue(vocabSize), parse.GetValue(output)!));
        return new Command("tokenizer", "Encode text to token ids, or learn a BPE vocabulary") { TokenizerEncodeCommand.Create(), train };
    }

    static int Train(string input, int vocabSize, string output)
    {
        if (!File.Exists(input))
            throw new StlmException($"corpus {Path.GetFullPath(input)} does not exist; pass --input with a UTF-8 text file");
        var clock = Stopwatch.StartNew();
        var lastReport = 0L;
        void ReadProgress(long done, long total)
        {
            if (total < (16 << 20) || clock.ElapsedMilliseconds - lastReport < 1000) return;
            lastReport = clock.ElapsedMilliseconds;
            Console.Error.WriteLine($"reading {done >> 20}/{total >> 20} MiB");
        }
        var vocabulary = BpeTrainer.Train(TextChunks.Read(input, onBytesRead: ReadProgress), vocabSize, line => Console.Error.WriteLine(line));
        BpeFiles.Save(vocabulary, output);
        Console.Out.WriteLine($"trained bpe({vocabulary.Count}) with {vocabulary.Merges.Count} merges from {input} in {clock.Elapsed.TotalSeconds:F1}s; " +
                              $"wrote {Path.Combine(output, BpeFiles.VocabJson)} and {BpeFiles.MergesTxt}; use it as --tokenizer bpe:{output}");
        return 0;
    }
}
