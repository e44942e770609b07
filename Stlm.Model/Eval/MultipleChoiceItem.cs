namespace Stlm.Model.Eval;

/// <summary>
/// One option of a question as lm-evaluation-harness scores it: the model's log-probability
/// of <see cref="Continuation"/> following <see cref="Context"/>. <see cref="Choice"/> is the
/// option's text as the harness's doc_to_choice gives it (without the leading space), whose
/// length normalises acc_norm.
/// </summary>
public sealed record MultipleChoiceOption(string Context, string Continuation, string Choice);

/// <summary>A question: its options, the index of the right one, and where it came from (file:line).</summary>
public sealed record MultipleChoiceItem(string Origin, IReadOnlyList<MultipleChoiceOption> Options, int Gold)
{
    /// <summary>Options built the common way: one context, continuations " " + choice (the harness's target delimiter).</summary>
    public static MultipleChoiceItem SharedContext(string origin, string context, IReadOnlyList<string> choices, int gold) =>
        new(origin, choices.Select(c => new MultipleChoiceOption(context, " " + c, c)).ToArray(), gold);
}
