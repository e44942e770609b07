namespace Stlm.Model.Data;

/// <summary>How token ids are stored in a shard: little-endian, the narrowest type the vocabulary fits.</summary>
public enum TokenDType { UInt16, UInt32 }

public static class TokenDTypes
{
    public static TokenDType For(int vocabSize) => vocabSize <= ushort.MaxValue + 1 ? TokenDType.UInt16 : TokenDType.UInt32;

    public static int Size(this TokenDType type) => type == TokenDType.UInt16 ? 2 : 4;

    public static string Name(this TokenDType type) => type == TokenDType.UInt16 ? "uint16" : "uint32";

    public static TokenDType Parse(string name, string where) => name switch
    {
        "uint16" => TokenDType.UInt16,
        "uint32" => TokenDType.UInt32,
        _ => throw new StlmException($"{where}: unknown token dtype '{name}': expected uint16 or uint32 (re-run 'stlm data prepare')"),
    };
}
