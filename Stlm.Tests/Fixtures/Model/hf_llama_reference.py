"""Makes the hf-llama-tiny fixture: random weights of a tiny Hugging Face Llama (GQA, untied head)
in config.json + model.safetensors, and the logits of fixed ids computed by a PyTorch transcription
of transformers' modeling_llama (LlamaRMSNorm, rotate_half RoPE, repeat_kv, SwiGLU MLP).
Run once with Debian's python3-torch: /usr/bin/python3 hf_llama_reference.py hf-llama-tiny"""
import json, math, struct, sys
import torch

out = sys.argv[1]
torch.manual_seed(0)
cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=32, intermediate_size=48,
           num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2, max_position_embeddings=16,
           rms_norm_eps=1e-5, rope_theta=10000.0, vocab_size=64, tie_word_embeddings=False,
           hidden_act="silu", torch_dtype="float32", bos_token_id=0, eos_token_id=1)
d, H, Hkv, f, L, V = 32, 4, 2, 48, 2, 64
hd = d // H
W = {"model.embed_tokens.weight": torch.randn(V, d) * 0.5}
for i in range(L):
    p = f"model.layers.{i}."
    W[p + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(d)
    W[p + "self_attn.q_proj.weight"] = torch.randn(H * hd, d) * 0.2
    W[p + "self_attn.k_proj.weight"] = torch.randn(Hkv * hd, d) * 0.2
    W[p + "self_attn.v_proj.weight"] = torch.randn(Hkv * hd, d) * 0.2
    W[p + "self_attn.o_proj.weight"] = torch.randn(d, H * hd) * 0.2
    W[p + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(d)
    W[p + "mlp.gate_proj.weight"] = torch.randn(f, d) * 0.2
    W[p + "mlp.up_proj.weight"] = torch.randn(f, d) * 0.2
    W[p + "mlp.down_proj.weight"] = torch.randn(d, f) * 0.2
W["model.norm.weight"] = 1 + 0.1 * torch.randn(d)
W["lm_head.weight"] = torch.randn(V, d) * 0.2

def rms_norm(x, w):
    variance = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(variance + cfg["rms_norm_eps"]))

def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)

def repeat_kv(x, n_rep):
    b, h, t, e = x.shape
    return x[:, :, None, :, :].expand(b, h, n_rep, t, e).reshape(b, h * n_rep, t, e)

def forward(ids):
    B, T = ids.shape
    x = W["model.embed_tokens.weight"][ids]
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.outer(torch.arange(T).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((T, T), float("-inf")).triu(1)
    for i in range(L):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"])
        q = (h @ W[p + "self_attn.q_proj.weight"].T).view(B, T, H, hd).transpose(1, 2)
        k = (h @ W[p + "self_attn.k_proj.weight"].T).view(B, T, Hkv, hd).transpose(1, 2)
        v = (h @ W[p + "self_attn.v_proj.weight"].T).view(B, T, Hkv, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, H // Hkv), repeat_kv(v, H // Hkv)
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd) + mask, dim=-1, dtype=torch.float32)
        o = (att @ v).transpose(1, 2).reshape(B, T, d) @ W[p + "self_attn.o_proj.weight"].T
        x = x + o
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"])
        m = torch.nn.functional.silu(h @ W[p + "mlp.gate_proj.weight"].T) * (h @ W[p + "mlp.up_proj.weight"].T)
        x = x + m @ W[p + "mlp.down_proj.weight"].T
    return rms_norm(x, W["model.norm.weight"]) @ W["lm_head.weight"].T

ids = torch.tensor([[3, 14, 15, 9, 26, 5, 35, 8, 9, 7, 9, 3], [2, 7, 1, 8, 2, 8, 18, 28, 45, 9, 0, 4]])
logits = forward(ids)

import os
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "config.json"), "w") as fh:
    json.dump(cfg, fh, indent=2)
header, blobs, offset = {}, [], 0
for name, t in W.items():
    data = t.contiguous().numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as fh:
    fh.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
with open(os.path.join(out, "expected.json"), "w") as fh:
    json.dump({"ids": ids.tolist(), "logits": logits.tolist()}, fh)
