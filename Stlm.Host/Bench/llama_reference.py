"""PyTorch eager reference for `stlm bench train`: the same Llama shape, optimizer and batch.

A Llama-style decoder as Stlm.Model builds it (RMSNorm pre-norm, rotary embeddings, causal
grouped-query attention written out as libtorch 1.13 has no fused SDPA, SwiGLU FFN, no biases,
embedding tied to the head), trained with AdamW over the same decay/no-decay groups, clip-grad-norm
1.0, dropout 0. Prints one JSON object with the wall time of each measured step; with --serve it
runs the warmup steps, prints one JSON line, then runs one step per "step" line read from stdin
and answers each with a JSON line (its wall time and loss), so a caller can interleave its own
steps with these one by one.

Run with Debian's interpreter (python3-torch, the same libtorch 1.13 as the C# binding):
  /usr/bin/python3 llama_reference.py --n-layers 4 --d-model 128 ... --batch 16 --context 128
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


class Attention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.h, self.hkv, self.hd = a.n_heads, a.n_kv_heads, a.d_model // a.n_heads
        self.q_proj = nn.Linear(a.d_model, self.h * self.hd, bias=False)
        self.k_proj = nn.Linear(a.d_model, self.hkv * self.hd, bias=False)
        self.v_proj = nn.Linear(a.d_model, self.hkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.h * self.hd, a.d_model, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.hkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.hkv, self.hd).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if self.h != self.hkv:
            k = k.repeat_interleave(self.h // self.hkv, dim=1)
            v = v.repeat_interleave(self.h // self.hkv, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.hd)
        y = scores.masked_fill(~mask, float("-inf")).softmax(-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.h * self.hd))


class SwiGLU(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.gate_proj = nn.Linear(a.d_model, a.ffn_hidden, bias=False)
        self.up_proj = nn.Linear(a.d_model, a.ffn_hidden, bias=False)
        self.down_proj = nn.Linear(a.ffn_hidden, a.d_model, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.input_layernorm = RMSNorm(a.d_model, 1e-5)
        self.self_attn = Attention(a)
        self.post_attention_layernorm = RMSNorm(a.d_model, 1e-5)
        self.mlp = SwiGLU(a)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed_tokens = nn.Embedding(a.vocab_size, a.d_model)
        self.layers = nn.ModuleList(Block(a) for _ in range(a.n_layers))
        self.norm = RMSNorm(a.d_model, 1e-5)
        hd = a.d_model // a.n_heads
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, targets):
        t = ids.shape[1]
        freqs = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
        angles = torch.cat([freqs, freqs], dim=-1)
        cos, sin = angles.cos(), angles.sin()
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        logits = self.norm(x) @ self.embed_tokens.weight.t()   # tied head
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def main():
    p = argparse.ArgumentParser()
    for name in ["n-layers", "d-model", "n-heads", "n-kv-heads", "ffn-hidden", "vocab-size", "batch", "context", "steps", "warmup", "threads"]:
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--serve", action="store_true")
    p.add_argument("--autocast-bf16", action="store_true")
    p.add_argument("--profile", action="store_true", help="profile the measured steps; print the ops by self CPU time to stderr")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(a)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    no_decay = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=6e-4, betas=(0.9, 0.95), eps=1e-8)
    gen = torch.Generator().manual_seed(1)

    def step():
        ids = torch.randint(0, a.vocab_size, (a.batch, a.context + 1), generator=gen)
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast_bf16):
            loss = model(ids[:, :-1], ids[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        value = loss.item()
        return time.perf_counter() - start, value

    header = {"torch": torch.__version__, "threads": torch.get_num_threads(), "autocast_bf16": a.autocast_bf16,
              "parameters": sum(q.numel() for q in model.parameters())}
    warm = [step() for _ in range(a.warmup)]
    if a.serve:
        print(json.dumps(header), flush=True)
        for line in sys.stdin:
            if line.strip() != "step":
                break
            seconds, loss = step()
            print(json.dumps({"seconds": seconds, "loss": loss}), flush=True)
        return
    if a.profile:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            measured = [step() for _ in range(a.steps)]
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25), file=sys.stderr)
    else:
        measured = [step() for _ in range(a.steps)]
    losses = [loss for _, loss in warm + measured]
    print(json.dumps({**header, "step_seconds": [t for t, _ in measured],
                      "first_loss": losses[0], "last_loss": losses[-1]}))


if __name__ == "__main__":
    main()
