using System.CommandLine;
using System.Text.Json;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm tokenizer encode --tokenizer SPEC FILE [--json]`: the token ids of a text, to compare
/// with other tools; --json prints one object (tokenizer, vocabSize, count, ids).
/// </summary>
public static class TokenizerEncodeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = $"Tokenizer spec: {TokenizerSpec.Forms}", Required = true };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Recognise <|endoftext|> in the text as the end-of-text token" };
        var json = SharedOptions.Json;
        var file = new Argument<string>("FILE") { Description = "UTF-8 text file to tokenise ('-' reads standard input)" };
        var command = new Command("encode", "Print the token ids of a text (--json: tokenizer, vocabSize, count, ids)") { tokenizer, allowSpecial, json, file };
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
