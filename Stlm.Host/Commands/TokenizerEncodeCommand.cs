using System.CommandLine;
using System.Text.Json;
using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Host;

/// <summary>`stlm tokenize --tokenizer SPEC FILE [--json]`: the token ids of a text, to compare with other tools.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = $"Tokenizer spec: {TokenizerSpec.Forms}", Required = true };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Recognise <|endoftext|> in the text as the end-of-text token" };
        var json = new Option<bool>("--json") { Description = "Print a JSON object (tokenizer, vocabSize, ids) instead of ids separated by spaces" };
        var file = new Argument<string>("FILE") { Description = "UTF-8 text file to tokenise ('-' reads standard input)" };
        var command = new Command("tokenize", "Print the token ids of a text") { tokenizer, allowSpecial, json, file };
        command.SetAction(parse =>
        {
            var tok = TokenizerSpec.Load(parse.GetValue(tokenizer)!);
            var ids = tok.Encode(ReadText(parse.GetValue(file)!), parse.GetValue(allowSpecial));
            Console.Out.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(new { tokenizer = tok.Name, vocabSize = tok.VocabSize, count = ids.Length, ids })
                : string.Join(' ', ids));
            return 0;
        });
        return command;
    }

    static string ReadText(string path)
    {
        if (path == "-")
            return Console.In.ReadToEnd();
        if (!File.Exists(path))
            throw new StlmException($"text file {Path.GetFullPath(path)} does not exist; give the path of a UTF-8 text file (or '-' for standard input)");
        return File.ReadAllText(path);
    }
}
