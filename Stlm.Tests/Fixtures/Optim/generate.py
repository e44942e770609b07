# Regenerates torch_reference.json with Debian's python3-torch (1.13), the reference the
# optimizer tests compare against bit for bit. Run once: /usr/bin/python3 generate.py > torch_reference.json
import json
import torch

torch.set_num_threads(1)


def floats(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def grads_for(step, n, salt):
    # Fixed, sign-varying gradients that any language can rebuild from the JSON.
    g = torch.tensor([((i * 7 + step * 3 + salt) % 11 - 5) / 4.0 for i in range(n)], dtype=torch.float32)
    return g


def run(make_opt, shapes, steps, lrs=None):
    params = [torch.linspace(-1.0, 1.0, n, dtype=torch.float32).requires_grad_() for n in shapes]
    start = [floats(p) for p in params]
    opt = make_opt(params)
    grads, after = [], []
    for s in range(steps):
        if lrs is not None:
            for gi, g in enumerate(opt.param_groups):
                g["lr"] = lrs[s][gi]
        step_grads = []
        for pi, p in enumerate(params):
            p.grad = grads_for(s, p.numel(), pi)
            step_grads.append(floats(p.grad))
        opt.step()
        grads.append(step_grads)
        after.append([floats(p) for p in params])
    return {"start": start, "grads": grads, "after": after, "lrs": lrs}


cases = {}
cases["adamw_defaults"] = run(lambda ps: torch.optim.AdamW(ps), [5], 4)
cases["adamw_groups_lr_changes"] = run(
    lambda ps: torch.optim.AdamW([
        {"params": [ps[0]], "lr": 0.01, "weight_decay": 0.1},
        {"params": [ps[1]], "lr": 0.003, "weight_decay": 0.0, "betas": (0.8, 0.95), "eps": 1e-6},
    ]),
    [4, 3], 5,
    lrs=[[0.01, 0.003], [0.02, 0.003], [0.005, 0.001], [0.005, 0.0], [0.05, 0.002]])
cases["sgd_momentum"] = run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), [5], 4)
cases["sgd_nesterov"] = run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True), [5], 4)

clip_params = [torch.zeros(3, requires_grad=True), torch.zeros(2, 2, requires_grad=True)]
clip_params[0].grad = torch.tensor([3.0, -4.0, 12.0])
clip_params[1].grad = torch.tensor([[1.0, 2.0], [-2.0, 4.0]])
norm = torch.nn.utils.clip_grad_norm_(clip_params, max_norm=5.0)
cases["clip_grad_norm"] = {"norm": float(norm), "grads": [floats(p.grad) for p in clip_params]}

print(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1))
