using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using F = Stlm.Model.LibTorch.Functional;
using Stlm.Tests.Model.Architectures;

namespace Stlm.Tests.Model.Nn;

public class LayerTests
{
    /// <summary>A block of width 16 with 4 query heads, no dropout.</summary>
    static ModelConfig Small(int kvHeads) => new() { DModel = 16, NHeads = 4, NKvHeads = kvHeads, FfnHidden = 32, Dropout = 0 };

    [Fact]
    public void Rope_rotates_each_half_pair_by_position_times_frequency()
    {
        using var scope = TorchScope.Begin();
        // head_dim 4, θ = 100: frequencies 1 and 1/10; pairs are (x0, x2) and (x1, x3).
        var rope = new RotaryEmbedding(headDim: 4, theta: 100);
        var x = Torch.From(new float[] { 1, 2, 3, 4, -1, 0.5f, 2, -3 }, 1, 1, 2, 4);   // [B, H, T=2, 4]
        const int start = 5;

        var rotated = TinyModels.Values(rope.Angles(start, 2).Apply(x));

        var input = TinyModels.Values(x);
        for (var t = 0; t < 2; t++)
        {
            var v = input.AsSpan(t * 4, 4);
            double[] freq = [1, 0.1];
            for (var i = 0; i < 2; i++)
            {
                var angle = (start + t) * freq[i];
                var (a, b) = (v[i], v[i + 2]);
                Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), rotated[t * 4 + i], 5);
                Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), rotated[t * 4 + i + 2], 5);
            }
        }
    }

    [Fact]
    public void Attention_with_as_many_kv_heads_as_heads_is_plain_causal_multi_head_attention()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var config = Small(kvHeads: 4);
        var attention = new CausalSelfAttention(config);
        attention.InitializeWeights(3);
        var x = Torch.Randn([2, 5, 16]);

        var actual = attention.Forward(x, rope: null);

        // By hand: per head softmax(q kᵀ / √d_h + causal mask) v, heads concatenated, then o_proj.
        Tensor Heads(Tensor t) => t.View(2, 5, 4, 4).Transpose(1, 2);
        var q = Heads(F.Linear(x, ((Linear)attention.QProj).Weight.Value));
        var k = Heads(F.Linear(x, ((Linear)attention.KProj).Weight.Value));
        var v = Heads(F.Linear(x, ((Linear)attention.VProj).Weight.Value));
        var future = Torch.Ones([5, 5]).Triu(1) > 0.5;
        var scores = (q.MatMul(k.T) / 2.0).MaskedFill(future, double.NegativeInfinity);
        var y = scores.Softmax(-1).MatMul(v).Transpose(1, 2).Reshape(2, 5, 16);
        var expected = F.Linear(y, ((Linear)attention.OProj).Weight.Value);

        Assert.True(TinyModels.MaxAbsDifference(expected, actual) < 1e-5);
    }

    [Fact]
    public void Grouped_query_attention_equals_multi_head_attention_with_repeated_kv_heads()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var gqa = new CausalSelfAttention(Small(kvHeads: 2));
        gqa.InitializeWeights(4);
        var mha = new CausalSelfAttention(Small(kvHeads: 4));
        // Query heads 0,1 use kv head 0 and 2,3 use kv head 1: repeat each kv head's rows twice.
        Tensor Repeated(Projection p) => ((Linear)p).Weight.Value.View(2, 4, 16).RepeatInterleave(2, 0).Reshape(16, 16);
        ((Linear)mha.QProj).Weight.Value.CopyInPlace(((Linear)gqa.QProj).Weight.Value);
        ((Linear)mha.KProj).Weight.Value.CopyInPlace(Repeated(gqa.KProj));
        ((Linear)mha.VProj).Weight.Value.CopyInPlace(Repeated(gqa.VProj));
        ((Linear)mha.OProj).Weight.Value.CopyInPlace(((Linear)gqa.OProj).Weight.Value);
        var x = Torch.Randn([2, 6, 16]);
        var rope = new RotaryEmbedding(4, 10000).Angles(0, 6);

        Assert.True(TinyModels.MaxAbsDifference(mha.Forward(x, rope), gqa.Forward(x, rope)) < 1e-6);
    }

    [Fact]
    public void Changing_dropout_p_takes_effect_at_the_next_forward()
    {
        using var scope = TorchScope.Begin();
        var dropout = new Dropout(0);
        var x = Torch.Ones([10000]);
        Assert.Equal(0, TinyModels.MaxAbsDifference(x, dropout.Forward(x)));

        dropout.P = 0.5;
        var zeros = TinyModels.Values(dropout.Forward(x)).Count(v => v == 0);
        Assert.InRange(zeros, 4500, 5500);
    }

    [Fact]
    public void SetDropout_reaches_every_dropout_and_eval_mode_disables_them()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        var ids = TinyModels.Ids(2, 8, 64, seed: 1);
        Assert.Equal(0, TinyModels.MaxAbsDifference(model.Forward(ids), model.Forward(ids)));   // p = 0

        model.SetDropout(0.3);
        Assert.Equal([0.3], model.DropoutValues());
        Assert.True(TinyModels.MaxAbsDifference(model.Forward(ids), model.Forward(ids)) > 1e-4);

        model.Eval();
        Assert.Equal(0, TinyModels.MaxAbsDifference(model.Forward(ids), model.Forward(ids)));
    }

    [Fact]
    public void Lora_adapter_starts_as_the_shared_weight_and_exports_w_plus_b_a()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var shared = new Linear(8, 6, ParameterGroup.Attention);
        shared.InitializeWeights(1);
        var lora = new LoRALinear(shared.Weight, rank: 2);
        lora.InitializeWeights(2);
        var x = Torch.Randn([3, 8]);
        Assert.Equal(0, TinyModels.MaxAbsDifference(shared.Forward(x), lora.Forward(x)));

        lora.LoraB.Value.CopyInPlace(Torch.Randn([6, 2]));
        var expected = F.Linear(x, lora.EffectiveWeight());
        Assert.True(TinyModels.MaxAbsDifference(expected, lora.Forward(x)) < 1e-5);
        Assert.True(TinyModels.MaxAbsDifference(shared.Forward(x), lora.Forward(x)) > 1e-3);
    }
}
