using System.Text;
using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Host.Commands;

/// <summary>
/// INTERIM — how `stlm data prepare --tokenizer SPEC` turns a spec into a tokenizer until the
/// tokenizers work (Stlm.Model/Tokenizers) is merged. The lead swaps <see cref="Resolve"/> for
/// the real factory at the composition root; only "bytes" is understood here.
/// </summary>
public static class InterimTokenizerSpecs
{
    /// <summary>The factory the data commands use. Replace it with the project's tokenizer factory.</summary>
    public static Func<string, ITokenizer> Resolve { get; set; } = spec => spec switch
    {
        "bytes" => new InterimByteTokenizer(),
        _ => throw new StlmException($"unknown tokenizer '{spec}': this build only knows 'bytes'"),
    };

    /// <summary>INTERIM byte tokenizer: id = UTF-8 byte (0–255), 256 = end of text.</summary>
    public sealed class InterimByteTokenizer : ITokenizer
    {
        public string Name => "bytes";
        public int VocabSize => 257;
        public int? EndOfText => 256;
        public int[] Encode(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var ids = new int[bytes.Length];
            for (var i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
            return ids;
        }

        public byte[] DecodeBytes(ReadOnlySpan<int> ids)
        {
            var bytes = new List<byte>(ids.Length);
            foreach (var id in ids) if (id is >= 0 and < 256) bytes.Add((byte)id);
            return [.. bytes];
        }
    }
}
