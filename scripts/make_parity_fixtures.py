#!/usr/bin/python3
"""Make tiny Llama / Qwen2 checkpoints plus float64 reference outputs for thinktune's forward-parity tests.

Run from anywhere:  /usr/bin/python3 scripts/make_parity_fixtures.py
(needs Debian's python3-torch and python3-numpy; does NOT import transformers, the decoder below is
written from the HF equations so it is an independent check of the TypeScript engine.)

Writes test/fixtures/tiny-llama/ and test/fixtures/tiny-qwen2/, each with config.json, model.safetensors
and reference.json. Deterministic: same torch seed -> byte-identical files.
"""
import json
import math
import struct
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures"
SEQ_LENGTHS = (1, 7, 20)

MODELS = {
    "tiny-llama": dict(
        architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=50, hidden_size=32,
        intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        head_dim=8, hidden_act="silu", max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
        rope_scaling=None, attention_bias=False, tie_word_embeddings=False, bos_token_id=1, eos_token_id=2,
        torch_dtype="float32"),
    # Qwen2: q/k/v bias implied by model_type, tied lm_head, BF16 storage; head_dim left implicit (48/6 = 8).
    "tiny-qwen2": dict(
        architectures=["Qwen2ForCausalLM"], model_type="qwen2", vocab_size=60, hidden_size=48,
        intermediate_size=96, num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=2,
        hidden_act="silu", max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=1000000.0,
        use_sliding_window=False, tie_word_embeddings=True, bos_token_id=0, eos_token_id=1,
        torch_dtype="bfloat16"),
}


def head_dim(c):
    return c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])


def make_weights(c, gen):
    """HF tensor names -> float32 tensors. Linear weights are [out, in]; std 0.3 keeps logits far from flat."""
    d, f, hd = c["hidden_size"], c["intermediate_size"], head_dim(c)
    qd, kvd = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    rnd = lambda *shape, std=0.3: torch.randn(*shape, generator=gen) * std
    norm = lambda n: 1.0 + rnd(n, std=0.2)
    w = {"model.embed_tokens.weight": rnd(c["vocab_size"], d)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm(d)
        w[p + "self_attn.q_proj.weight"] = rnd(qd, d)
        w[p + "self_attn.k_proj.weight"] = rnd(kvd, d)
        w[p + "self_attn.v_proj.weight"] = rnd(kvd, d)
        if c["model_type"] == "qwen2" or c.get("attention_bias"):
            for name, n in (("q", qd), ("k", kvd), ("v", kvd)):
                w[p + f"self_attn.{name}_proj.bias"] = rnd(n, std=0.1)
        w[p + "self_attn.o_proj.weight"] = rnd(d, qd)
        w[p + "post_attention_layernorm.weight"] = norm(d)
        w[p + "mlp.gate_proj.weight"] = rnd(f, d)
        w[p + "mlp.up_proj.weight"] = rnd(f, d)
        w[p + "mlp.down_proj.weight"] = rnd(d, f)
    w["model.norm.weight"] = norm(d)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = rnd(c["vocab_size"], d)
    return w


# ---- safetensors by hand: u64 LE header length, JSON header, raw little-endian tensor bytes ----

def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        if dtype == "BF16":
            raw = t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(",", ":")).encode()
    hjson += b" " * (-len(hjson) % 8)  # pad so tensor data starts 8-byte aligned, as the official writer does
    path.write_bytes(struct.pack("<Q", len(hjson)) + hjson + b"".join(blobs))


def read_safetensors(path):
    """Independent decoder (numpy, bit shifts for BF16) used to prove the file holds what the reference used."""
    buf = path.read_bytes()
    (n,) = struct.unpack("<Q", buf[:8])
    header, data = json.loads(buf[8:8 + n]), buf[8 + n:]
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        if h["dtype"] == "BF16":
            arr = (np.frombuffer(data[a:b], "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(data[a:b], "<f4")
        out[name] = arr.reshape(h["shape"]).astype(np.float64)
    return out


# ---- reference decoder (torch, float64, whole sequence at once) ----

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def forward(c, w, ids):
    """ids: list[int] of length T -> logits [T, vocab], computed in the dtype of the weights."""
    dt = w["model.embed_tokens.weight"].dtype
    T, H, KV, hd = len(ids), c["num_attention_heads"], c["num_key_value_heads"], head_dim(c)
    eps, lin = c["rms_norm_eps"], lambda x, name: x @ w[name + ".weight"].T + w.get(name + ".bias", 0.0)
    inv_freq = 1.0 / c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=dt) / hd)  # [hd/2]
    freqs = torch.arange(T, dtype=dt)[:, None] * inv_freq[None, :]  # [T, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, hd]
    cos, sin = emb.cos(), emb.sin()
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]  # [T, d]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj").view(T, H, hd).transpose(0, 1)  # [H, T, hd]
        k = lin(h, p + "self_attn.k_proj").view(T, KV, hd).transpose(0, 1)  # [KV, T, hd]
        v = lin(h, p + "self_attn.v_proj").view(T, KV, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(H // KV, dim=0), v.repeat_interleave(H // KV, dim=0)  # GQA -> [H, T, hd]
        scores = (q @ k.transpose(1, 2)) / math.sqrt(hd)  # [H, T, T]
        probs = scores.masked_fill(~causal, float("-inf")).softmax(-1)
        attn = (probs @ v).transpose(0, 1).reshape(T, H * hd)
        x = x + lin(attn, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(torch.nn.functional.silu(lin(h, p + "mlp.gate_proj")) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x @ w.get("lm_head.weight", w["model.embed_tokens.weight"]).T


# ---- second formulation (numpy, one query position and one head at a time) for the self-check ----

def forward_loop(c, w, ids):
    H, KV, hd, eps = c["num_attention_heads"], c["num_key_value_heads"], head_dim(c), c["rms_norm_eps"]
    half = hd // 2
    norm = lambda v, g: v / np.sqrt(np.mean(v * v) + eps) * g
    lin = lambda v, name: w[name + ".weight"] @ v + (w[name + ".bias"] if name + ".bias" in w else 0.0)

    def rope(vec, pos):  # rotate each pair (j, j + hd/2) by angle pos * theta^(-2j/hd)
        out = vec.copy()
        for j in range(half):
            a = pos * c["rope_theta"] ** (-2.0 * j / hd)
            out[j] = vec[j] * math.cos(a) - vec[j + half] * math.sin(a)
            out[j + half] = vec[j + half] * math.cos(a) + vec[j] * math.sin(a)
        return out

    xs = [w["model.embed_tokens.weight"][t].copy() for t in ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        hs = [norm(x, w[p + "input_layernorm.weight"]) for x in xs]
        ks = [lin(h, p + "self_attn.k_proj").reshape(KV, hd) for h in hs]
        ks = [np.stack([rope(k[g], t) for g in range(KV)]) for t, k in enumerate(ks)]
        vs = [lin(h, p + "self_attn.v_proj").reshape(KV, hd) for h in hs]
        new = []
        for t, h in enumerate(hs):
            q = lin(h, p + "self_attn.q_proj").reshape(H, hd)
            heads = []
            for hh in range(H):
                g = hh // (H // KV)  # kv group serving this query head
                qr = rope(q[hh], t)
                s = np.array([qr @ ks[u][g] for u in range(t + 1)]) / math.sqrt(hd)  # only the prefix: causal
                e = np.exp(s - s.max())
                heads.append(sum((e[u] / e.sum()) * vs[u][g] for u in range(t + 1)))
            x = xs[t] + lin(np.concatenate(heads), p + "self_attn.o_proj")
            m = norm(x, w[p + "post_attention_layernorm.weight"])
            gate = lin(m, p + "mlp.gate_proj")
            new.append(x + lin(gate / (1.0 + np.exp(-gate)) * lin(m, p + "mlp.up_proj"), p + "mlp.down_proj"))
        xs = new
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return np.stack([head @ norm(x, w["model.norm.weight"]) for x in xs])


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    for name, c in MODELS.items():
        d = OUT / name
        d.mkdir(parents=True, exist_ok=True)
        dtype = "BF16" if c["torch_dtype"] == "bfloat16" else "F32"
        w32 = make_weights(c, gen)
        # The reference must see exactly the stored weights: round through the storage dtype, then widen.
        store = torch.bfloat16 if dtype == "BF16" else torch.float32
        w = {k: v.to(store).to(torch.float64) for k, v in w32.items()}
        (d / "config.json").write_text(json.dumps(c, indent=2) + "\n")
        write_safetensors(d / "model.safetensors", w, dtype)

        loaded = read_safetensors(d / "model.safetensors")
        assert loaded.keys() == w.keys(), f"{name}: tensor names differ after round trip"
        file_diff = max(float(np.abs(loaded[k] - w[k].numpy()).max()) for k in w)

        w_f32 = {k: v.float() for k, v in w.items()}
        cases, loop_diff, f32_diff = [], 0.0, 0.0
        for T in SEQ_LENGTHS:
            ids = torch.randint(0, c["vocab_size"], (T,), generator=gen).tolist()
            logits = forward(c, w, ids)
            lp = logits.log_softmax(-1)
            loop_diff = max(loop_diff, float(np.abs(forward_loop(c, loaded, ids) - logits.numpy()).max()))
            # What a correct float32 engine should be expected to miss by (guides the TS test tolerance).
            f32_diff = max(f32_diff, float((forward(c, w_f32, ids).double() - logits).abs().max()))
            r = lambda xs: [float(f"{x:.10g}") for x in xs]  # 10 significant digits: far below float32 noise
            cases.append({
                "ids": ids,
                "next_token_logprobs": r(lp[t, ids[t + 1]].item() for t in range(T - 1)),
                "last_logprobs": r(lp[T - 1].tolist()),
                "logits_first_row": r(logits[0].tolist()),
            })
            print(f"{name} T={T:2d}: logits std {logits.std().item():.3f}, "
                  f"max prob of last row {lp[T - 1].exp().max().item():.3f}")
        (d / "reference.json").write_text(json.dumps({"cases": cases}) + "\n")
        print(f"{name}: file round-trip max |diff| {file_diff:.3e}; torch vs numpy-loop max |logit diff| {loop_diff:.3e}; "
              f"float32 torch vs float64 max |logit diff| {f32_diff:.3e}")
        assert file_diff == 0.0 and loop_diff < 1e-9, f"{name}: self-check failed"


if __name__ == "__main__":
    main()
