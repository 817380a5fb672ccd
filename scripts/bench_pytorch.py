#!/usr/bin/env python3
"""The model `thinktune bench` measures, in PyTorch: the reference it reports its speed against.

    python scripts/bench_pytorch.py [--size reference|large|all] [--threads 2] [--quick]
    python scripts/bench_pytorch.py --spec '<JSON list of sizes>'   # what `thinktune bench --pytorch` passes

Needs torch and transformers (measured with torch 2.13 CPU, transformers 5.18). Prints one JSON line on
stdout; progress goes to stderr.

Same model as src/bench/bench.ts: transformers' LlamaForCausalLM with thinktune's preset config (untied
embeddings, default RoPE theta 10000, RMSNorm eps 1e-5, SwiGLU, no biases, float32), transformers' default
attention implementation (sdpa). Same step: cross-entropy over B x T next-token targets (gradients summed
over the same micro-batches), clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-4, betas (0.9, 0.999), eps 1e-8,
weight decay 0.01 except norm weights), zero_grad; the mean of the timed steps after one warm-up, as
thinktune does. Same sampling: `generate` with do_sample, temperature 1, top_p 1, top_k off, every row
running the full max_new_tokens (no stop token), the best of the timed runs after a short warm-up.
thinktune also computes each step's token entropy; that is not timed here (a few elementwise ops).
"""
import argparse
import json
import sys
import time

# Built-in sizes, kept equal to SIZES in src/bench/sizes.ts (thinktune passes its own with --spec).
SIZES = {
    "reference": dict(
        size="reference",
        model=dict(vocab_size=64, hidden_size=128, intermediate_size=512, num_hidden_layers=4,
                   num_attention_heads=4, num_key_value_heads=4, head_dim=32, rms_norm_eps=1e-5,
                   rope_theta=10000.0, max_position_embeddings=256, tie_word_embeddings=False),
        train=dict(batch=16, seq_len=128, micro_batches=1, lr=1e-4, max_grad_norm=1.0, beta1=0.9,
                   beta2=0.999, eps=1e-8, weight_decay=0.01),
        generate=dict(prompts=8, samples=5, prompt_len=32, new_tokens=128),
        repeats=dict(train_steps=5, gen_runs=3),
    ),
    "large": dict(
        size="large",
        model=dict(vocab_size=32000, hidden_size=512, intermediate_size=2048, num_hidden_layers=8,
                   num_attention_heads=8, num_key_value_heads=8, head_dim=64, rms_norm_eps=1e-5,
                   rope_theta=10000.0, max_position_embeddings=1024, tie_word_embeddings=False),
        train=dict(batch=8, seq_len=512, micro_batches=4, lr=1e-4, max_grad_norm=1.0, beta1=0.9,
                   beta2=0.999, eps=1e-8, weight_decay=0.01),
        generate=dict(prompts=4, samples=4, prompt_len=64, new_tokens=128),
        repeats=dict(train_steps=1, gen_runs=1),
    ),
}


def say(msg):
    print(f"  [pytorch] {msg}", file=sys.stderr, flush=True)


def build_model(m, seed=0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=m["vocab_size"], hidden_size=m["hidden_size"], intermediate_size=m["intermediate_size"],
        num_hidden_layers=m["num_hidden_layers"], num_attention_heads=m["num_attention_heads"],
        num_key_value_heads=m["num_key_value_heads"], head_dim=m["head_dim"], hidden_act="silu",
        rms_norm_eps=m["rms_norm_eps"], rope_parameters={"rope_type": "default", "rope_theta": m["rope_theta"]},
        max_position_embeddings=m["max_position_embeddings"], tie_word_embeddings=m["tie_word_embeddings"],
        attention_bias=False, mlp_bias=False, bos_token_id=None, eos_token_id=None, pad_token_id=0,
    )
    model = LlamaForCausalLM(config).float()
    return model


def optimizer(model, t):
    import torch

    # thinktune's isNoDecayParam: norm weights and biases take no weight decay.
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if name.endswith("norm.weight") or name.endswith(".bias") or "layernorm" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": t["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=t["lr"], betas=(t["beta1"], t["beta2"]), eps=t["eps"])


def bench_train(spec, steps):
    import torch
    import torch.nn.functional as F

    m, t = spec["model"], spec["train"]
    model = build_model(m)
    model.train()
    opt = optimizer(model, t)
    g = torch.Generator().manual_seed(1234)
    B, T, parts = t["batch"], t["seq_len"], t["micro_batches"]
    seqs = torch.randint(0, m["vocab_size"], (B, T + 1), generator=g)
    inputs, targets = seqs[:, :-1].contiguous(), seqs[:, 1:].contiguous()  # (B, T) each
    rows = B // parts

    def step():
        for i in range(parts):
            x, y = inputs[i * rows:(i + 1) * rows], targets[i * rows:(i + 1) * rows]
            logits = model(input_ids=x).logits  # (rows, T, V)
            # mean over all B*T targets of the step, summed over micro-batches (thinktune's loss normalisation)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), reduction="sum") / (B * T)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), t["max_grad_norm"])
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    s = (time.perf_counter() - t0) / steps
    return model, {"train_tokens_per_s": B * T / s, "train_step_ms": s * 1000, "attn_implementation": model.config._attn_implementation}


def bench_generate(model, spec, runs):
    import torch
    from transformers import GenerationConfig

    m, gs = spec["model"], spec["generate"]
    model.eval()
    g = torch.Generator().manual_seed(99)
    prompts = torch.randint(0, m["vocab_size"], (gs["prompts"], gs["prompt_len"]), generator=g)
    n = gs["new_tokens"]

    def config(new):
        return GenerationConfig(
            do_sample=True, temperature=1.0, top_p=1.0, top_k=0, num_return_sequences=gs["samples"],
            max_new_tokens=new, min_new_tokens=new, eos_token_id=None, pad_token_id=0, bos_token_id=None,
        )

    with torch.inference_mode():
        model.generate(input_ids=prompts, attention_mask=torch.ones_like(prompts), generation_config=config(8))
        best, tokens = float("inf"), 0
        for _ in range(runs):
            t0 = time.perf_counter()
            out = model.generate(input_ids=prompts, attention_mask=torch.ones_like(prompts), generation_config=config(n))
            best = min(best, time.perf_counter() - t0)
            tokens = (out.shape[1] - gs["prompt_len"]) * out.shape[0]
    return {"generate_tokens_per_s": tokens / best}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="reference", help="reference, large or all (ignored with --spec)")
    ap.add_argument("--spec", help="JSON list of size specs (as src/bench/bench.ts writes them)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--quick", action="store_true", help="one timed repetition of each (else the size's repeats)")
    a = ap.parse_args()

    import torch
    import transformers

    torch.set_num_threads(a.threads)
    if a.spec:
        specs = json.loads(a.spec)
    elif a.size == "all":
        specs = list(SIZES.values())
    elif a.size in SIZES:
        specs = [SIZES[a.size]]
    else:
        ap.error(f"--size must be reference, large or all, not {a.size!r}")
    sizes = {}
    for spec in specs:
        steps = 1 if a.quick else spec["repeats"]["train_steps"]
        runs = 1 if a.quick else spec["repeats"]["gen_runs"]
        say(f"{spec['size']}: training {spec['train']['batch']} x {spec['train']['seq_len']} tokens…")
        model, train = bench_train(spec, steps)
        say(f"{spec['size']}: generation…")
        sizes[spec["size"]] = {**train, **bench_generate(model, spec, runs)}
        del model
    print(json.dumps({
        "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
        "threads": torch.get_num_threads(),
        "sizes": sizes,
    }))


if __name__ == "__main__":
    main()
