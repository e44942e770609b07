namespace Stlm.Tests.Support;

/// <summary>
/// The tiny byte-level Llama that the session, replay and guarantee tests train (2 layers,
/// d-model 32, context 32, batches of 4: a step takes milliseconds on one core), as --set
/// values; each test adds its corpus size, steps and cadences.
/// </summary>
static class TinyLlama
{
    public static readonly string[] Sets =
    [
        "training.preset=\"\"", "tokenizer.kind=bytes", "model.vocab-size=258", "model.bos-token-id=256", "model.eos-token-id=256",
        "model.n-layers=2", "model.d-model=32", "model.n-heads=4", "model.n-kv-heads=2", "model.ffn-hidden=64",
        "model.context-length=32", "model.dropout=0.1", "schedules.dropout.p=0.1", "training.batch-size=4",
    ];
}
