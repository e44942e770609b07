using System.Text;
using Stlm.Model.Architectures;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Model.Generation;

/// <summary>What a generation produced: the new text, how many units (tokens, chunks or bytes) it took, and the mean exit layer of a LayerSkip model's confidence exits.</summary>
public sealed record GeneratedText(string Text, int Units, string Unit, double? AverageExitLayer = null);

/// <summary>
/// Continues a prompt with any architecture, through its own generator: the token models with
/// <see cref="TextGenerator"/> (mixture-of-depths without the KV cache, which its routing
/// cannot share; LayerSkip greedy with confidence exits at model.early-exit.confidence-threshold),
/// the byte-pooling model chunk by chunk, MEGABYTE byte by byte. MaxNewTokens counts the
/// model's units. Generation ends at the tokenizer's end of text (the byte models: when its
/// spelling, or MEGABYTE's separator byte, appears).
/// </summary>
public static class LanguageModelGenerator
{
    public static GeneratedText Generate(ILanguageModel model, ITokenizer tokenizer, string prompt, SamplingOptions options)
    {
        options.Validate();
        return model switch
        {
            LayerSkipLm layerSkip when options.Temperature == 0 => ConfidenceExits(layerSkip, tokenizer, prompt, options),
            MixtureOfDepthsLm routed => Tokens(routed, tokenizer, prompt, options with { UseKvCache = false }),
            ICausalLanguageModel tokens => Tokens(tokens, tokenizer, prompt, options),
            BytePooledLm pooled => Chunks(pooled, prompt, options),
            MegabyteLm megabyte => Bytes(megabyte, prompt, options),
            _ => throw new StlmException($"no generator for a {model.GetType().Name}"),
        };
    }

    static int[] PromptIds(ITokenizer tokenizer, string prompt)
    {
        var ids = tokenizer.Encode(prompt);
        if (ids.Length > 0) return ids;
        return tokenizer.EndOfText is { } eot ? [eot] : throw new StlmException($"the prompt is empty and tokenizer {tokenizer.Name} has no end-of-text token to start from; give a prompt");
    }

    static GeneratedText Tokens(ICausalLanguageModel model, ITokenizer tokenizer, string prompt, SamplingOptions options)
    {
        var result = TextGenerator.Generate(model, PromptIds(tokenizer, prompt), options with { StopToken = options.StopToken ?? tokenizer.EndOfText });
        var tokens = result.Tokens.Where(t => t != tokenizer.EndOfText).ToArray();
        return new GeneratedText(tokenizer.Decode(tokens), result.Tokens.Count, "tokens");
    }

    static GeneratedText ConfidenceExits(LayerSkipLm model, ITokenizer tokenizer, string prompt, SamplingOptions options)
    {
        var result = ConfidenceExitGenerator.Greedy(model, PromptIds(tokenizer, prompt), options.MaxNewTokens, model.Config.EarlyExit.ConfidenceThreshold);
        var stop = tokenizer.EndOfText is { } eot ? result.Tokens.TakeWhile(t => t != eot).Count() : result.Tokens.Count;
        var kept = result.Tokens.Take(stop).ToArray();
        return new GeneratedText(tokenizer.Decode(kept), result.Tokens.Count, "tokens", result.ExitLayers.Take(Math.Max(1, stop)).DefaultIfEmpty(0).Average());
    }

    static GeneratedText Chunks(BytePooledLm model, string prompt, SamplingOptions options)
    {
        var text = prompt.Length > 0 ? prompt : SpecialTokens.EndOfTextText;
        var chunks = ByteChunker.Chunk(text, model.Boundaries, model.MaxTokenBytes);
        var generated = BytePooledGenerator.Generate(model, chunks, options.MaxNewTokens, new TokenSampler(options));
        var decoded = Encoding.UTF8.GetString(generated.SelectMany(c => c).ToArray());
        var end = decoded.IndexOf(SpecialTokens.EndOfTextText, StringComparison.Ordinal);
        return new GeneratedText(end >= 0 ? decoded[..end] : decoded, generated.Count, "chunks");
    }

    static GeneratedText Bytes(MegabyteLm model, string prompt, SamplingOptions options)
    {
        var promptBytes = prompt.Length > 0 ? Encoding.UTF8.GetBytes(prompt) : [MegabyteLm.DocumentSeparator];
        var generated = MegabyteGenerator.Generate(model, promptBytes, options.MaxNewTokens, new TokenSampler(options));
        var end = Array.IndexOf(generated, MegabyteLm.DocumentSeparator);
        return new GeneratedText(Encoding.UTF8.GetString(end >= 0 ? generated[..end] : generated), generated.Length, "bytes");
    }
}
