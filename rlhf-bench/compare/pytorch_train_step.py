"""PyTorch eager's side of TrainStepBenchmark: the same GPT-2 124M SFT step, timed the same way.

Written for rlhf4j's benchmarks (not taken from any project): a nanoGPT-shaped GPT-2 124M (tied
embeddings, scaled_dot_product_attention with is_causal, tanh-GELU, fp32) on 4 sequences of T
tokens, the LM head over the T-1 positions that predict the response (a 1-token prompt, as
TrainStepBenchmark), mean token NLL, backward, AdamW (lr 1e-5, fused) over every parameter, no
clipping. The 2048^3 fp32 matmul is measured in the same process before and after, and the step's
FLOPs are counted exactly as TrainStepBenchmark.stepFlops counts them.

Run: python pytorch_train_step.py T [steps]   (torch from a local wheel; 2 intra-op threads)
"""
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

B, V, D, L, H = 4, 50257, 768, 12, 12


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.up = nn.Linear(D, 4 * D)
        self.down = nn.Linear(4 * D, D)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        q, k, v = (z.view(b, t, H, D // H).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, D))
        return x + self.down(F.gelu(self.up(self.ln2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, D)
        self.wpe = nn.Embedding(1024, D)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(D)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        h = self.ln_f(x)[:, :-1]  # the positions that predict response tokens
        return F.cross_entropy((h @ self.wte.weight.T).reshape(-1, V), ids[:, 1:].reshape(-1))


def matmul_flops():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * 2048**3 / best


def step_flops(t):
    trunk = L * 12.0 * D * D
    flops = sum(2 * trunk + 4.0 * L * i * D for i in range(1, t + 1)) + 2.0 * (t - 1) * V * D
    return 3 * B * flops


def main():
    t = int(sys.argv[1])
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = Gpt2()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)
    ids = torch.tensor([[b] + [(b * 7919 + i * 31) % V for i in range(t - 1)] for b in range(B)])
    before = matmul_flops()
    times, faults, parts = [], [], []
    for s in range(steps):
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        loss = model(ids)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
        parts.append((t1 - t0, t2 - t1, time.perf_counter() - t2))
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    after = matmul_flops()
    steady = sorted(times[1:])[len(times[1:]) // 2]  # median, the first step is warm-up
    fraction = step_flops(t) / steady / max(before, after)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"[pytorch {torch.__version__} step {B} x {t}] median {steady:.3f} s/step "
          f"(steps {', '.join(f'{x:.2f}' for x in times)}), matmul before {before / 1e9:.1f} "
          f"after {after / 1e9:.1f} GFLOP/s, fraction "
          f"{'refused (above 1)' if fraction > 1 else f'{fraction:.2f}'}, "
          f"faults/step {sorted(faults[1:])[len(faults[1:]) // 2]}, peak RSS {peak:.1f} GB; "
          f"forward/backward/AdamW of the median step "
          f"{'/'.join(f'{x:.3f}' for x in parts[times.index(steady)])} s")


if __name__ == "__main__":
    main()
