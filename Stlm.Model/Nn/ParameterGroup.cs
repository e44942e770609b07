namespace Stlm.Model.Nn;

/// <summary>
/// What a parameter is for: parameter counts are reported by group (the paper's tables split
/// embedding and head from the core), and shared parameters count once, in their first group.
/// </summary>
public enum ParameterGroup
{
    Embedding,
    Head,
    Attention,
    Ffn,
    Norm,
    Adapter,
    Other,
}
