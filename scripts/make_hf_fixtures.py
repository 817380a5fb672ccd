#!/usr/bin/env python3
"""Make tiny Hugging Face checkpoints with transformers 5 and `tokenizers`, plus what transformers computes on them.

    /tmp/pyenv/bin/python scripts/make_hf_fixtures.py                     # (re)write test/fixtures/hf/
    /tmp/pyenv/bin/python scripts/make_hf_fixtures.py --check DIR --ids IDS_JSON

Needs a Python with torch, transformers 5 and tokenizers (safetensors and jinja2 come with them). The first form
rewrites test/fixtures/hf/ (see its README.md); it is deterministic (fixed seeds, one thread), so running it twice
gives identical files. The second form loads DIR with AutoModelForCausalLM / AutoTokenizer / GenerationConfig,
fails (exit 1) when transformers reports missing, unexpected or mismatched weights, and prints
{"next_token_logprobs": [[...], ...]} (float32, log_softmax(logits[i])[ids[i+1]]) for each id list in IDS_JSON
(a JSON list of id lists, given inline or as a file path). Use it to check that a checkpoint written by thinktune
loads in transformers and agrees with it.
"""
import argparse
import copy
import json
import logging
import os
import random
import re
import shutil
import sys
import warnings
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

torch.set_num_threads(1)

import transformers  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForCausalLM, AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast,
    Qwen2Config, Qwen2ForCausalLM,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "hf"
FOLDERS = ("llama3", "llama3-legacy", "llama-linear", "qwen2-bf16", "llama-sharded", "chat-tuned")
BPE_VOCAB = 384  # every tokenizer here has exactly 384 tokens, special tokens included

# ------------------------------------------------------------------------------------------------------------
# Synthetic corpus: GSM8K-like arithmetic word problems plus chat-like text.
# ------------------------------------------------------------------------------------------------------------

NAMES = [("Tom", "he"), ("Ann", "she"), ("Sam", "he"), ("Mia", "she"), ("Ben", "he"), ("Lily", "she"),
         ("Max", "he"), ("Zoe", "she"), ("Leo", "he"), ("Emma", "she"), ("Noah", "he"), ("Ava", "she"),
         ("Jack", "he"), ("Ella", "she"), ("Ryan", "he"), ("Nora", "she")]
ITEMS = ["apples", "pencils", "stickers", "marbles", "cookies", "books", "cards", "balloons", "shells", "coins"]
INSTRUCTION = "\nPlease reason step by step, and put your final answer within \\boxed{}."


def make_problem(rng, kind):
    """One word problem: question, GSM8K answer ("working\\n#### N"), a one-line reasoning, and N."""
    name, he = rng.choice(NAMES)
    He = he.capitalize()
    it = rng.choice(ITEMS)
    if kind == 0:
        a, b = rng.randint(3, 40), rng.randint(2, 30)
        c = a + b
        q = f"{name} has {a} {it}. {He} buys {b} more {it}. How many {it} does {name} have now?"
        work, line = f"{name} has {a} + {b} = <<{a}+{b}={c}>>{c} {it} now.", f"{a} + {b} = {c}."
    elif kind == 1:
        a = rng.randint(20, 60)
        b = rng.randint(2, a - 5)
        c = a - b
        q = f"{name} had {a} {it} and gave {b} of them to a friend. How many {it} does {name} have left?"
        work, line = f"{name} has {a} - {b} = <<{a}-{b}={c}>>{c} {it} left.", f"{a} - {b} = {c}."
    elif kind == 2:
        a, b = rng.randint(2, 9), rng.randint(3, 12)
        c = a * b
        q = f"{name} buys {a} bags of {it}. Each bag holds {b} {it}. How many {it} does {name} buy in total?"
        work, line = f"{name} buys {a} * {b} = <<{a}*{b}={c}>>{c} {it}.", f"{a} * {b} = {c}."
    elif kind == 3:
        a, b = rng.randint(10, 40), rng.randint(2, 20)
        d = rng.randint(1, a + b - 1)
        c = a + b - d
        q = f"{name} has {a} {it}. {He} finds {b} more and then loses {d}. How many {it} does {name} have now?"
        work = f"{name} has {a} + {b} = <<{a}+{b}={a + b}>>{a + b} {it}, then {a + b} - {d} = <<{a + b}-{d}={c}>>{c}."
        line = f"{a} + {b} - {d} = {c}."
    else:
        a, b = rng.randint(2, 9), rng.randint(2, 6)
        bill = 50 if a * b < 50 else 100
        c = bill - a * b
        q = (f"A pen costs {a} dollars. {name} buys {b} pens and pays with a {bill} dollar bill. "
             f"How much change does {name} get?")
        work = f"The pens cost {a} * {b} = <<{a}*{b}={a * b}>>{a * b} dollars, so the change is {bill} - {a * b} = <<{bill}-{a * b}={c}>>{c}."
        line = f"{a} * {b} = {a * b}, and {bill} - {a * b} = {c}."
    return {"question": q, "answer": f"{work}\n#### {c}", "line": line, "n": c}


def chat_problems():
    """The 20 problems chat-tuned/ is trained on: four of each kind, distinct questions and mostly distinct answers."""
    rng = random.Random(20240601)
    out, seen = [], set()
    while len(out) < 20:
        p = make_problem(rng, len(out) % 5)
        if p["question"] in seen or sum(q["n"] == p["n"] for q in out) >= 1:
            continue
        seen.add(p["question"])
        out.append(p)
    return out


CHAT_LINES = [
    "Hello! How can I help you today?", "You are a helpful assistant.", "You are a careful math tutor.",
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    "Sure, here is a short answer.", "Thanks, that was helpful!", "I'm sure they'll say it's fine, don't worry.",
    "We'LL see what you've got. It's done.", "Let me think step by step.", "First, add the numbers. Then subtract.",
    "user", "assistant", "system", "The café in Zürich serves a naïve crème brûlée.",
    "What is 2 + 3?", "2 + 3 = 5.", "What is 12 * 4?", "12 * 4 = 48.",
]


def corpus():
    rng = random.Random(7)
    lines = []
    for p in chat_problems():
        lines += [p["question"] + INSTRUCTION, p["answer"], p["line"] + "\nThe answer is \\boxed{%d}." % p["n"]]
    for i in range(600):
        p = make_problem(rng, i % 5)
        lines += [p["question"], p["answer"], p["line"] + "\nThe answer is \\boxed{%d}." % p["n"]]
        if i % 3 == 0:
            lines.append(rng.choice(CHAT_LINES) + "\n\n" + rng.choice(CHAT_LINES))
    for i in range(40):
        lines += CHAT_LINES
        lines.append(f"In {1990 + i} it cost ${rng.randint(1, 999)}.{rng.randint(10, 99)} or {rng.randint(1000, 99999)} cents.")
    return lines


# ------------------------------------------------------------------------------------------------------------
# Tokenizers
# ------------------------------------------------------------------------------------------------------------

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")  # transformers' Qwen2Tokenizer rebuilds exactly this pipeline

LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                   "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                   "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
QWEN2_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

LLAMA3_TEMPLATE = (
    "{{- bos_token }}\n"
    "{%- for message in messages %}\n"
    "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n"
)

# Qwen2.5-Instruct's template (tool branches included): a default system message when none is given.
QWEN2_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

# Llama-2-chat style ([INST] ... [/INST], <<SYS>> folded into the first user turn, no generation prompt).
LLAMA2_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{%- set loop_messages = messages[1:] %}{%- set system_message = messages[0]['content'] %}"
    "{%- else %}{%- set loop_messages = messages %}{%- set system_message = false %}{%- endif %}"
    "{%- for message in loop_messages %}"
    "{%- if loop.index0 == 0 and system_message != false %}"
    "{%- set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{%- else %}{%- set content = message['content'] %}{%- endif %}"
    "{%- if message['role'] == 'user' %}{{- bos_token + '[INST] ' + content | trim + ' [/INST]' }}"
    "{%- elif message['role'] == 'assistant' %}{{- ' ' + content | trim + ' ' + eos_token }}{%- endif %}"
    "{%- endfor %}"
)


def special(t):
    return AddedToken(t, special=True, normalized=False, lstrip=False, rstrip=False, single_word=False)


def train_bytelevel(split_regex, normalizer, n_specials, lines):
    """A byte-level BPE (GPT-2 / Llama 3 / Qwen2 style) with BPE_VOCAB - n_specials learned tokens."""
    tok = Tokenizer(models.BPE())
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split_regex), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB - n_specials, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    assert tok.get_vocab_size() == BPE_VOCAB - n_specials, tok.get_vocab_size()
    return tok


def build_llama3_tokenizer(lines):
    tok = train_bytelevel(LLAMA3_SPLIT, None, len(LLAMA3_SPECIALS), lines)
    spec = json.loads(tok.to_str())
    spec["model"]["ignore_merges"] = True  # as in Meta's Llama 3 tokenizer.json
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.add_special_tokens([special(t) for t in LLAMA3_SPECIALS])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
        processors.TemplateProcessing(single="<|begin_of_text|> $A:0",
                                      pair="<|begin_of_text|> $A:0 <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)])])
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>",
                                 pad_token="<|finetune_right_pad_id|>", clean_up_tokenization_spaces=False,
                                 model_max_length=256)
    hf.chat_template = LLAMA3_TEMPLATE
    return hf


def build_qwen2_tokenizer(lines):
    tok = train_bytelevel(QWEN2_SPLIT, normalizers.NFC(), len(QWEN2_SPECIALS), lines)
    tok.add_special_tokens([special(t) for t in QWEN2_SPECIALS])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=None, eos_token="<|im_end|>",
                                 pad_token="<|endoftext|>", unk_token=None, clean_up_tokenization_spaces=False,
                                 model_max_length=256, errors="replace", split_special_tokens=False)
    hf.chat_template = QWEN2_TEMPLATE
    return hf


def build_llama2_tokenizer(lines):
    """SentencePiece-style BPE as in Llama 2's tokenizer.json: '▁' for spaces, <0x00>..<0xFF> byte fallback."""
    # Learn merges word by word (sentencepiece never merges across spaces), then lay the vocab out like Llama 2.
    tmp = Tokenizer(models.BPE(unk_token="<unk>"))
    tmp.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    n_base = 3 + 256
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB - n_base, min_frequency=2, show_progress=False,
                                  limit_alphabet=80)
    tmp.train_from_iterator(lines, trainer)
    learned = json.loads(tmp.to_str())["model"]
    assert len(learned["vocab"]) == BPE_VOCAB - n_base, len(learned["vocab"])
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    for t, i in sorted(learned["vocab"].items(), key=lambda kv: kv[1]):
        vocab[t] = n_base + i
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in learned["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    tok.add_special_tokens([special(t) for t in ("<unk>", "<s>", "</s>")])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A:0", pair="<s> $A:0 <s>:1 $B:1",
                                                       special_tokens=[("<s>", 1)])
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                 clean_up_tokenization_spaces=False, model_max_length=256)
    hf.chat_template = LLAMA2_TEMPLATE
    return hf


TEXTS = [
    "Tom has 3 apples and buys 5 more.",
    "It costs $12.50, or 1234567 cents in 2024!",
    "Line one\nLine two\n\n  indented\tand tabbed  ",
    "Un café très naïve à Zürich",
    "Great job 🎉👍 done",
    "I'm sure they'LL say don't",
    None,  # "Hello {a special token} world", filled in per tokenizer
]
CHATS = [
    ([{"role": "user", "content": "What is 2 + 3?"}], True),
    ([{"role": "system", "content": "You are a careful math tutor."},
      {"role": "user", "content": "What is 12 * 4?"}], True),
    ([{"role": "system", "content": "You are a careful math tutor."},
      {"role": "user", "content": "What is 2 + 3?"},
      {"role": "assistant", "content": "2 + 3 = 5."},
      {"role": "user", "content": "And 12 * 4?"}], True),
    ([{"role": "user", "content": "What is 2 + 3?"},
      {"role": "assistant", "content": "2 + 3 = 5."}], False),
]


def chat_ids(tok, messages, add_generation_prompt):
    out = tok.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=True,
                                  return_dict=True)
    return list(out["input_ids"])


def tokenizer_expected(tok, folder, special_in_text):
    """What transformers (AutoTokenizer on the saved folder) does; also checks tokenizer.json alone agrees."""
    raw = Tokenizer.from_file(str(folder / "tokenizer.json"))
    texts = [t if t is not None else f"Hello {special_in_text} world" for t in TEXTS]
    rows = []
    for text in texts:
        with_sp = tok(text)["input_ids"]
        without = tok(text, add_special_tokens=False)["input_ids"]
        assert raw.encode(text).ids == with_sp, (folder.name, text, raw.encode(text).ids, with_sp)
        assert raw.encode(text, add_special_tokens=False).ids == without, (folder.name, text)
        rows.append({"text": text, "ids": with_sp, "ids_no_special": without,
                     "decoded": tok.decode(with_sp, skip_special_tokens=False),
                     "decoded_skip_special": tok.decode(with_sp, skip_special_tokens=True)})
    chats = []
    for messages, gen in CHATS:
        text = tok.apply_chat_template(messages, add_generation_prompt=gen, tokenize=False)
        ids = chat_ids(tok, messages, gen)
        assert ids == raw.encode(text, add_special_tokens=False).ids, (folder.name, text)
        chats.append({"messages": messages, "add_generation_prompt": gen, "text": text, "ids": ids})
    sp = {}
    for key in ("bos_token", "eos_token", "pad_token", "unk_token"):
        t = getattr(tok, key)
        sp[key] = None if t is None else {"token": t, "id": tok.convert_tokens_to_ids(t)}
    extra = {t: tok.convert_tokens_to_ids(t) for t in tok.get_added_vocab()}
    return {"generated_by": f"transformers {transformers.__version__} AutoTokenizer.from_pretrained, tokenizers {__import__('tokenizers').__version__}",
            "vocab_size": len(tok), "special_tokens": sp, "added_tokens": extra, "texts": rows, "chats": chats}


# ------------------------------------------------------------------------------------------------------------
# Models
# ------------------------------------------------------------------------------------------------------------

def f8(x):
    return float(f"{x:.8g}")


def randomize(model, seed, std=0.25, bias_std=0.2):
    """Spread-out random weights (HF's std 0.02 init gives nearly flat logits, which makes a weak test)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied lm_head shares embed_tokens and is listed once
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * r)
            elif name.endswith(".bias"):
                p.copy_(bias_std * r)
            else:
                p.copy_(std * r)
    return model


def logprobs(model, ids):
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    nxt = [lp[i, ids[i + 1]].item() for i in range(len(ids) - 1)]
    return nxt, lp[-1].tolist()


def load(folder, dtype=torch.float32):
    model, info = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v}
    assert not bad, f"{folder}: {bad}"
    return model.eval()


def expected_cases(folder, id_lists, bf16_reference=False):
    model = load(folder)
    cases = []
    for ids in id_lists:
        nxt, last = logprobs(model, ids)
        case = {"ids": ids, "next_token_logprobs": [f8(x) for x in nxt], "last_logprobs": [f8(x) for x in last]}
        cases.append(case)
    if bf16_reference:
        m16 = load(folder, torch.bfloat16)
        for case in cases:
            case["next_token_logprobs_bf16"] = [f8(x) for x in logprobs(m16, case["ids"])[0]]
    return cases


def max_rope_diff(folder, rope_parameters, ids):
    """Largest |Δ next-token log-prob| over `ids` when the same weights run with other rope_parameters."""
    model = load(folder)
    cfg = copy.deepcopy(model.config)
    cfg.rope_parameters = rope_parameters
    other = type(model)(cfg).eval()
    other.load_state_dict(model.state_dict())
    a, _ = logprobs(model, ids)
    b, _ = logprobs(other, ids)
    return max(abs(x - y) for x, y in zip(a, b))


def write_json(path, obj, indent=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def save_generation_config(folder, **kw):
    GenerationConfig(**kw).save_pretrained(str(folder))


def llama_config(tok, **kw):
    base = dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, head_dim=8, max_position_embeddings=256,
                rms_norm_eps=1e-5, tie_word_embeddings=False, bos_token_id=tok.bos_token_id,
                eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    base.update(kw)
    return LlamaConfig(**base)


LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
# head_dim 16, theta 5e5: wavelengths 2π·5.18^i = 6.3, 32.5, 168, 873, ... With original_max 64 the bands are
# < 16 (kept), 16..64 (smoothly interpolated: the 32.5 one), > 64 (divided by 8): all three llama3 cases occur.
LLAMA3_SHAPE = dict(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2, head_dim=16)
CHAT_SHAPE = dict(hidden_size=48, intermediate_size=96, num_attention_heads=3, num_key_value_heads=1, head_dim=16)


def save_tokenizer(tok, folder):
    tok.save_pretrained(str(folder))
    return AutoTokenizer.from_pretrained(str(folder))


def id_cases(tok, texts, bos):
    """[bos] (a 1-token case), then tokenizer(text) (bos included) for each text."""
    return [[bos]] + [tok(t)["input_ids"] for t in texts]


def make_llama3(tok_llama3):
    folder = OUT / "llama3"
    folder.mkdir(parents=True)
    tok = save_tokenizer(tok_llama3, folder)
    assert tok("x")["input_ids"][0] == tok.bos_token_id
    eot = tok.convert_tokens_to_ids("<|eot_id|>")
    torch.manual_seed(0)
    model = randomize(LlamaForCausalLM(llama_config(tok, rope_parameters=dict(LLAMA3_ROPE), **LLAMA3_SHAPE)), 101)
    model.save_pretrained(str(folder))
    save_generation_config(folder, bos_token_id=tok.bos_token_id, eos_token_id=[tok.eos_token_id, eot])
    cfg = json.loads((folder / "config.json").read_text())
    assert "rope_parameters" in cfg and "rope_theta" not in cfg and "rope_scaling" not in cfg, cfg
    long_chat = [{"role": "system", "content": "You are a careful math tutor."},
                 {"role": "user", "content": chat_problems()[3]["question"] + INSTRUCTION},
                 {"role": "assistant", "content": target_text(chat_problems()[3])}]
    ids = id_cases(tok, ["Tom has 3 apples.", chat_problems()[0]["question"]], tok.bos_token_id)
    ids.append(chat_ids(tok, long_chat, True))
    assert [len(x) for x in ids][1] in range(6, 13) and len(ids[2]) >= 30 and 100 <= len(ids[3]) <= 256, [len(x) for x in ids]
    cases = expected_cases(folder, ids)
    diff = max_rope_diff(folder, {"rope_type": "default", "rope_theta": 500000.0}, ids[-1])
    assert diff > 0.01, f"llama3 scaling changes log-probs by only {diff}"
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32)",
        "max_abs_diff_vs_default_rope": f8(diff), "cases": cases})
    write_json(folder / "tokenizer_expected.json", tokenizer_expected(tok, folder, "<|eot_id|>"), indent=1)
    return ids, cases


def make_llama3_legacy(ids, cases):
    src, folder = OUT / "llama3", OUT / "llama3-legacy"
    folder.mkdir(parents=True)
    for f in sorted(src.iterdir()):
        if f.name not in ("config.json", "expected.json", "tokenizer_expected.json"):
            shutil.copyfile(f, folder / f.name)
    cfg = json.loads((src / "config.json").read_text())
    rope = cfg.pop("rope_parameters")
    legacy = {}
    for k, v in cfg.items():
        if k == "dtype":
            legacy["torch_dtype"] = v
        elif k == "transformers_version":
            legacy[k] = "4.46.0"
        else:
            legacy[k] = v
        if k == "rms_norm_eps":
            legacy["rope_scaling"] = {"factor": rope["factor"], "high_freq_factor": rope["high_freq_factor"],
                                      "low_freq_factor": rope["low_freq_factor"],
                                      "original_max_position_embeddings": rope["original_max_position_embeddings"],
                                      "rope_type": "llama3"}
            legacy["rope_theta"] = rope["rope_theta"]
    write_json(folder / "config.json", legacy, indent=2)
    loaded = load(folder)
    assert loaded.config.rope_parameters.get("rope_type") == "llama3", loaded.config.rope_parameters
    mine = expected_cases(folder, ids)
    for a, b in zip(mine, cases):
        assert max((abs(x - y) for x, y in zip(a["next_token_logprobs"] + a["last_logprobs"],
                                              b["next_token_logprobs"] + b["last_logprobs"])), default=0) <= 1e-6
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32)",
        "cases": mine})


def make_llama_linear(tok_llama2):
    folder = OUT / "llama-linear"
    folder.mkdir(parents=True)
    tok = save_tokenizer(tok_llama2, folder)
    rope = {"rope_type": "linear", "factor": 2.0, "rope_theta": 10000.0}
    torch.manual_seed(0)
    model = randomize(LlamaForCausalLM(llama_config(tok, rope_parameters=rope, pad_token_id=None)), 202)
    model.save_pretrained(str(folder))
    save_generation_config(folder, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    ids = id_cases(tok, ["Tom has 3 apples.", chat_problems()[1]["question"] + " Great 🎉"], tok.bos_token_id)
    assert len(ids[2]) >= 30, len(ids[2])
    cases = expected_cases(folder, ids)
    diff = max_rope_diff(folder, {"rope_type": "default", "rope_theta": 10000.0}, ids[-1])
    assert diff > 0.01, f"linear scaling changes log-probs by only {diff}"
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32)",
        "max_abs_diff_vs_default_rope": f8(diff), "cases": cases})
    write_json(folder / "tokenizer_expected.json", tokenizer_expected(tok, folder, "</s>"), indent=1)


def make_qwen2(tok_qwen2):
    folder = OUT / "qwen2-bf16"
    folder.mkdir(parents=True)
    tok_qwen2.save_pretrained(str(folder))
    eot, eos_text = tok_qwen2.convert_tokens_to_ids("<|im_end|>"), tok_qwen2.convert_tokens_to_ids("<|endoftext|>")
    # vocab_size 400 > 384 tokenizer ids: padded embedding rows, as in Qwen2.5 (151936 vs 151665).
    cfg = Qwen2Config(vocab_size=400, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                      num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
                      rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, tie_word_embeddings=True,
                      use_sliding_window=False, bos_token_id=eos_text, eos_token_id=eot, pad_token_id=None)
    torch.manual_seed(0)
    model = randomize(Qwen2ForCausalLM(cfg), 303).to(torch.bfloat16)
    model.save_pretrained(str(folder))
    save_generation_config(folder, bos_token_id=eos_text, pad_token_id=eos_text, eos_token_id=[eot, eos_text])
    saved = json.loads((folder / "config.json").read_text())
    assert saved.get("dtype") == "bfloat16" and saved.get("tie_word_embeddings") is True, saved
    tok = AutoTokenizer.from_pretrained(str(folder))
    assert tok.bos_token is None and tok("hi")["input_ids"] == tok("hi", add_special_tokens=False)["input_ids"]
    from safetensors import safe_open
    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        names = list(f.keys())
        assert all(f.get_slice(n).get_dtype() == "BF16" for n in names)
        assert "lm_head.weight" not in names and "model.layers.0.self_attn.q_proj.bias" in names
        assert f.get_tensor("model.layers.0.self_attn.k_proj.bias").abs().min() > 0
    ids = [tok("Hello", add_special_tokens=False)["input_ids"][:1],
           tok("Tom has 3 apples and 2 pears.")["input_ids"],
           chat_ids(tok, [{"role": "user", "content": chat_problems()[2]["question"]}], True)]
    assert 6 <= len(ids[1]) <= 14 and len(ids[2]) >= 30, [len(x) for x in ids]
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32); "
                        "next_token_logprobs_bf16 with dtype=bfloat16",
        "cases": expected_cases(folder, ids, bf16_reference=True)})
    write_json(folder / "tokenizer_expected.json", tokenizer_expected(tok, folder, "<|im_end|>"), indent=1)


def make_sharded(tok_llama2):
    folder = OUT / "llama-sharded"
    folder.mkdir(parents=True)
    tok = save_tokenizer(tok_llama2, folder)
    torch.manual_seed(0)
    model = randomize(LlamaForCausalLM(llama_config(tok, pad_token_id=None,
                                                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0})), 404)
    model.save_pretrained(str(folder), max_shard_size="60KB")
    save_generation_config(folder, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    shards = sorted(folder.glob("model-*.safetensors"))
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert len(shards) >= 3 and not (folder / "model.safetensors").exists(), shards
    assert sorted(set(index["weight_map"].values())) == [s.name for s in shards]
    ids = id_cases(tok, ["Tom has 3 apples.", chat_problems()[4]["question"]], tok.bos_token_id)
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32)",
        "cases": expected_cases(folder, ids)})


# ------------------------------------------------------------------------------------------------------------
# chat-tuned: memorise 20 problems in the Llama 3 chat format, then record transformers' greedy answers.
# ------------------------------------------------------------------------------------------------------------

BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


def target_text(p):
    return p["line"] + "\nThe answer is \\boxed{%d}." % p["n"]


def prompt_messages(p):
    return [{"role": "user", "content": p["question"] + INSTRUCTION}]


def greedy(model, prompt, eos_ids, max_new=64):
    """Plain greedy without a KV cache, for checking progress while training; also the smallest top-2 gap."""
    ids, gap = list(prompt), float("inf")
    with torch.no_grad():
        for _ in range(max_new):
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
            top = torch.topk(logits, 2)
            gap = min(gap, (top.values[0] - top.values[1]).item())
            ids.append(int(top.indices[0]))
            if ids[-1] in eos_ids:
                break
    return ids[len(prompt):], gap


def make_chat_tuned(tok_llama3):
    folder = OUT / "chat-tuned"
    folder.mkdir(parents=True)
    tok = save_tokenizer(tok_llama3, folder)
    eot = tok.convert_tokens_to_ids("<|eot_id|>")
    eos_ids = [tok.eos_token_id, eot]
    problems = chat_problems()
    with open(folder / "problems.jsonl", "w", encoding="utf-8") as f:
        for p in problems:
            f.write(json.dumps({"question": p["question"], "answer": p["answer"]}, ensure_ascii=False) + "\n")

    seqs = []
    for p in problems:
        prompt = chat_ids(tok, prompt_messages(p), True)
        full = chat_ids(tok, prompt_messages(p) + [{"role": "assistant", "content": target_text(p)}], False)
        assert full[:len(prompt)] == prompt and full[-1] == eot and tok.eos_token_id not in full, p
        seqs.append((prompt, full))
    width = max(len(f) for _, f in seqs)
    inp = torch.full((len(seqs), width), tok.pad_token_id, dtype=torch.long)
    labels = torch.full((len(seqs), width), -100, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, (prompt, full) in enumerate(seqs):
        inp[r, :len(full)] = torch.tensor(full)
        labels[r, len(prompt):len(full)] = torch.tensor(full[len(prompt):])
        mask[r, :len(full)] = 1

    torch.manual_seed(1234)
    model = LlamaForCausalLM(llama_config(tok, rope_parameters=dict(LLAMA3_ROPE), **CHAT_SHAPE))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.98), weight_decay=0.0)
    step, best = 0, None
    for step in range(1, 3001):
        model.train()
        loss = model(input_ids=inp, attention_mask=mask, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            model.eval()
            outs = [greedy(model, prompt, eos_ids) for prompt, _ in seqs]
            exact = sum(o == full[len(prompt):] for (o, _), (prompt, full) in zip(outs, seqs))
            gap = min(g for _, g in outs)
            print(f"  chat-tuned step {step}: loss {loss.item():.4f}, exact {exact}/20, min top-2 gap {gap:.2f}",
                  file=sys.stderr)
            if exact == 20 and gap > 2.0:
                break
    model.eval()
    model.save_pretrained(str(folder))
    save_generation_config(folder, bos_token_id=tok.bos_token_id, eos_token_id=eos_ids)

    # The recorded answers come from the saved folder, through transformers' own generate().
    model = load(folder)
    tok = AutoTokenizer.from_pretrained(str(folder))
    gen_cfg = GenerationConfig.from_pretrained(str(folder))
    assert gen_cfg.eos_token_id == eos_ids
    items, score, min_gap = [], 0, float("inf")
    for p in problems:
        prompt_text = tok.apply_chat_template(prompt_messages(p), add_generation_prompt=True, tokenize=False)
        prompt = chat_ids(tok, prompt_messages(p), True)
        with torch.no_grad():
            out = model.generate(input_ids=torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                                 generation_config=gen_cfg, do_sample=False, max_new_tokens=64,
                                 pad_token_id=tok.pad_token_id, output_scores=True, return_dict_in_generate=True)
        gen = out.sequences[0, len(prompt):].tolist()
        for s in out.scores:
            top = torch.topk(s[0].float(), 2).values
            min_gap = min(min_gap, (top[0] - top[1]).item())
        text = tok.decode(gen, skip_special_tokens=True)
        boxed = BOXED.findall(text)
        truth = p["answer"].split("####")[-1].strip()
        ok = bool(boxed) and boxed[-1].strip() == truth
        score += ok
        items.append({"question": p["question"], "answer": truth, "prompt_text": prompt_text, "prompt_ids": prompt,
                      "generated_ids": gen, "text": text, "boxed": boxed[-1] if boxed else None, "correct": ok,
                      "stopped_on": gen[-1] if gen and gen[-1] in eos_ids else None})
    write_json(folder / "expected_answers.json", {
        "generated_by": f"transformers {transformers.__version__} generate(do_sample=False, max_new_tokens=64) with "
                        "the folder's generation_config.json, model in float32",
        "prompt_suffix": INSTRUCTION, "score": score, "n": len(problems), "eos_token_id": eos_ids,
        "min_top2_logit_gap": f8(min_gap), "items": items}, indent=1)
    ids = [[tok.bos_token_id], tok("Tom has 3 apples.")["input_ids"], seqs[0][1]]
    write_json(folder / "expected.json", {
        "generated_by": f"transformers {transformers.__version__} AutoModelForCausalLM.from_pretrained(dtype=float32)",
        "cases": expected_cases(folder, ids)})
    print(f"  chat-tuned: {score}/20 right after {step} steps, min top-2 logit gap {min_gap:.2f}", file=sys.stderr)
    return score


# ------------------------------------------------------------------------------------------------------------
# --check DIR --ids IDS_JSON
# ------------------------------------------------------------------------------------------------------------

class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def check(folder, ids_json):
    """Load `folder` as transformers does; raise on weight problems; return next-token log-probs for each id list."""
    text = Path(ids_json).read_text() if os.path.isfile(ids_json) else ids_json
    id_lists = json.loads(text)
    assert isinstance(id_lists, list) and all(isinstance(x, list) and x for x in id_lists), \
        "--ids must be a JSON list of non-empty id lists"
    handler = _Collect()
    tlog = logging.getLogger("transformers")
    tlog.addHandler(handler)
    transformers.logging.set_verbosity_warning()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model, info = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, output_loading_info=True)
            AutoTokenizer.from_pretrained(folder)
            if os.path.isfile(os.path.join(folder, "generation_config.json")):
                GenerationConfig.from_pretrained(folder)
    except Exception as e:  # e.g. a shape mismatch, which transformers raises on
        raise SystemExit(f"{folder}: transformers could not load it: {type(e).__name__}: {e}")
    finally:
        tlog.removeHandler(handler)
    for w in caught:  # transformers' logger prints its own messages; Python warnings were swallowed above
        print(f"warning: {w.message}", file=sys.stderr)
    messages = handler.messages + [str(w.message) for w in caught]
    problems = [f"{k}: {v}" for k, v in info.items() if v]
    pattern = re.compile(r"missing|unexpected|not used|newly initialized|not initialized|mismatch", re.I)
    problems += [m for m in messages if pattern.search(m)]
    if problems:
        raise SystemExit(f"{folder}: transformers did not load it cleanly:\n" + "\n".join(problems))
    model.eval()
    vocab = model.config.get_text_config().vocab_size
    for ids in id_lists:
        if any(not (0 <= i < vocab) for i in ids):
            raise SystemExit(f"--ids: id out of range 0..{vocab - 1} in {ids}")
    return {"next_token_logprobs": [[f8(x) for x in logprobs(model, ids)[0]] for ids in id_lists]}


# ------------------------------------------------------------------------------------------------------------

def make_all():
    for name in FOLDERS:
        shutil.rmtree(OUT / name, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    lines = corpus()
    tok_llama3 = build_llama3_tokenizer(lines)
    tok_qwen2 = build_qwen2_tokenizer(lines)
    tok_llama2 = build_llama2_tokenizer(lines)
    ids, cases = make_llama3(tok_llama3)
    make_llama3_legacy(ids, cases)
    make_llama_linear(tok_llama2)
    make_qwen2(tok_qwen2)
    make_sharded(tok_llama2)
    score = make_chat_tuned(tok_llama3)
    for f in OUT.rglob("*"):
        if f.is_file():
            f.chmod(0o644)  # save_pretrained writes some files 0600
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)}: {total / 1e6:.2f} MB, chat-tuned {score}/20", file=sys.stderr)
    assert total < 2.5e6, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", metavar="DIR", help="load DIR in transformers and print next-token log-probs")
    ap.add_argument("--ids", metavar="IDS_JSON", help="with --check: JSON list of id lists (inline or a file)")
    args = ap.parse_args()
    transformers.utils.logging.disable_progress_bar()
    if args.check:
        if not args.ids:
            ap.error("--check needs --ids")
        print(json.dumps(check(args.check, args.ids)))
    else:
        transformers.logging.set_verbosity_error()
        make_all()


if __name__ == "__main__":
    main()
