"""PyTorch eager's side of RolloutBenchmark at stories110M's shape: the same decode, timed the same way.

Written for rlhf4j's benchmarks (not taken from any project): a llama2.c-shaped Llama (768 wide,
12 layers, 12 heads, SwiGLU 2048, 32000 vocabulary, tied embeddings, RMSNorm, RoPE, fp32, random
weights: speed does not depend on the values) decoding B rows from BOS for 256 steps at
temperature 1 with a preallocated key/value cache, one token per row per step. Weights read per
second are the parameters times the steps per second, as RolloutBenchmark counts them, beside
the same process's memory read rate (a sum over 1 GB, best of five) and its 2048^3 matmul.

Run: python pytorch_decode.py B [steps]   (torch from a local wheel; 2 intra-op threads)
"""
import sys
import time

import torch
import torch.nn.functional as F

D, L, H, F_DIM, V = 768, 12, 12, 2048, 32000
HD = D // H


def read_rate():
    a = torch.ones(1 << 28)
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter()
        a.sum().item()
        best = min(best, time.perf_counter() - t0)
    return 4 * (1 << 28) / best


def matmul_rate():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    t0 = time.perf_counter()
    for _ in range(5):
        a @ b
    return 5 * 2 * 2048**3 / (time.perf_counter() - t0)


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


def rope(x, cos, sin):  # x [B, H, 1, HD], interleaved pairs as llama2.c
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), -1).flatten(-2)


def main():
    torch.set_num_threads(2)
    torch.set_grad_enabled(False)
    b = int(sys.argv[1])
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    g = torch.Generator().manual_seed(0)

    def w(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    emb = w(V, D)
    layers = [
        dict(n1=torch.ones(D), q=w(D, D), k=w(D, D), v=w(D, D), o=w(D, D), n2=torch.ones(D),
             gate=w(F_DIM, D), up=w(F_DIM, D), down=w(D, F_DIM))
        for _ in range(L)
    ]
    norm = torch.ones(D)
    params = emb.numel() + norm.numel() + sum(t.numel() for l in layers for t in l.values())
    cap = steps + 1
    kc = torch.zeros(L, b, H, cap, HD)
    vc = torch.zeros(L, b, H, cap, HD)
    freqs = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
    angles = torch.outer(torch.arange(cap).float(), freqs)
    cos_all, sin_all = angles.cos(), angles.sin()
    bandwidth = read_rate()
    mm_before = matmul_rate()

    def step(tok, pos):
        x = emb[tok]  # [B, D]
        cos, sin = cos_all[pos], sin_all[pos]
        for i, l in enumerate(layers):
            h = rms(x, l["n1"])
            q = F.linear(h, l["q"]).view(b, H, 1, HD)
            k = F.linear(h, l["k"]).view(b, H, 1, HD)
            v = F.linear(h, l["v"]).view(b, H, 1, HD)
            q, k = rope(q, cos, sin), rope(k, cos, sin)
            kc[i, :, :, pos : pos + 1] = k
            vc[i, :, :, pos : pos + 1] = v
            y = F.scaled_dot_product_attention(q, kc[i, :, :, : pos + 1], vc[i, :, :, : pos + 1])
            x = x + F.linear(y.reshape(b, D), l["o"])
            h = rms(x, l["n2"])
            x = x + F.linear(F.silu(F.linear(h, l["gate"])) * F.linear(h, l["up"]), l["down"])
        logits = F.linear(rms(x, norm), emb)
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=g).view(b)

    rates = []
    for _ in range(3):  # the first is warm-up
        tok = torch.ones(b, dtype=torch.long)
        t0 = time.perf_counter()
        for pos in range(steps):
            tok = step(tok, pos)
        rates.append(steps / (time.perf_counter() - t0))
    mm_after = matmul_rate()
    per_second = max(rates[1:])
    weights = 4 * params * per_second
    print(
        f"pytorch {torch.__version__} decode B={b}: {per_second:.1f} steps/s, {b * per_second:.1f} tok/s,"
        f" weights {weights / 1e9:.1f} GB/s of read rate {bandwidth / 1e9:.1f} GB/s"
        f" ({weights / bandwidth:.2f}); matmul {mm_before / 1e9:.0f} / {mm_after / 1e9:.0f} GFLOP/s;"
        f" {params / 1e6:.1f}M parameters"
    )


if __name__ == "__main__":
    main()
