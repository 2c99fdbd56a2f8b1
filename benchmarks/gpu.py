"""Tokens per second and model-FLOPs utilisation of cp-lrp in bfloat16 on one GPU, against inference.

    .venv/bin/python benchmarks/gpu.py                      # on a CUDA machine: the three cases below
    .venv/bin/python benchmarks/gpu.py --smoke              # tiny shapes on CPU: checks the script runs

Random models (no hub), bfloat16, sdpa attention, one GPU:

- ``bert-base``: BERT-base-shaped classifier (hidden 768, 12 layers, 2 classes), 64 x 512 tokens;
- ``llama-1b``: Llama-3.2-1B-shaped causal LM (hidden 2048, 16 layers, 32 heads, 8 kv heads, ffn 8192,
  vocabulary 128,256), 8 x 2048 tokens, explaining the next token " Yes";
- ``llama-1b-8k``: the same model on one 8192-token input with ``checkpointing`` on.

For each: inference (``torch.inference_mode``) and cp-lrp (one forward that keeps the graph and one
backward without weight gradients, as ``Explainer`` runs it) are timed as the median of ``--repeats``
calls after a warm-up; tokens per second, the ratio to inference, peak GPU memory (also as a ratio)
and MFU. Model FLOPs count the work of the model, not of recomputation: a forward pass is
``2 * N * T`` for the N non-embedding parameters (the output layer counted only at the positions
whose logits are kept) plus ``4 * layers * T^2 * hidden`` for attention (half of that causal); a
cp-lrp explanation is a forward and an input-gradient backward, twice a forward. MFU is those FLOPs
per second over the GPU's dense bf16 peak (``--peak-tflops``; 989 for H100 and H200 SXM).
Before timing, each case reports its conservation error in bf16: ``|explained - sum R| / (sum |R| +
|explained|)`` for one input with every bias zeroed (the documented bf16 tolerance is 5e-2). Prints a
table; with ``--json PATH`` also writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass

import torch
from transformers import BertConfig, BertForSequenceClassification, LlamaConfig, LlamaForCausalLM
from transformers.utils import logging

from lrp_audit.lrp import Explainer, bundled_model_path, load_tokenizer
from lrp_audit.lrp.encoding import encode


@dataclass(frozen=True)
class Case:
    name: str
    family: str  # bert or llama
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    vocabulary: int
    batch: int
    tokens: int
    checkpointing: bool


CASES = [
    Case("bert-base", "bert", 768, 12, 12, 12, 3072, 30522, 64, 512, False),
    Case("llama-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 8, 2048, False),
    Case("llama-1b-8k", "llama", 2048, 16, 32, 8, 8192, 128256, 1, 8192, True),
]
SMOKE = [
    Case("bert-smoke", "bert", 64, 2, 4, 4, 128, 30522, 2, 64, False),
    Case("llama-smoke", "llama", 64, 2, 4, 2, 128, 32000, 2, 64, False),
    Case("llama-smoke-long", "llama", 64, 2, 4, 2, 128, 32000, 1, 256, True),
]


@dataclass(frozen=True)
class Measured:
    case: str
    parameters: int
    tokens_per_call: int
    inference_tokens_per_s: float
    cp_lrp_tokens_per_s: float
    time_ratio: float
    inference_peak_gib: float
    cp_lrp_peak_gib: float
    memory_ratio: float
    inference_mfu: float
    cp_lrp_mfu: float
    conservation_error: float  # |explained - sum R| / (sum |R| + |explained|), biases zero


def build(case: Case, tokenizer, device: torch.device) -> torch.nn.Module:
    torch.manual_seed(0)
    if case.family == "bert":
        config = BertConfig(
            hidden_size=case.hidden, num_hidden_layers=case.layers, num_attention_heads=case.heads,
            intermediate_size=case.ffn, vocab_size=case.vocabulary, max_position_embeddings=max(case.tokens, 512),
            num_labels=2, attn_implementation="sdpa",
        )
        model = BertForSequenceClassification(config)
    else:
        config = LlamaConfig(
            hidden_size=case.hidden, num_hidden_layers=case.layers, num_attention_heads=case.heads,
            num_key_value_heads=case.kv_heads, intermediate_size=case.ffn, vocab_size=case.vocabulary,
            max_position_embeddings=case.tokens, pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id, attn_implementation="sdpa",
        )
        model = LlamaForCausalLM(config)
    return model.to(device=device, dtype=torch.bfloat16).eval()


def model_flops(model: torch.nn.Module, case: Case, kept_positions: int) -> float:
    """FLOPs of one forward pass over the batch (see the module docstring)."""
    embeddings = {id(p) for m in model.modules() if isinstance(m, torch.nn.Embedding) for p in m.parameters()}
    head = model.get_output_embeddings() if case.family == "llama" else None
    head_ids = {id(p) for p in head.parameters()} if head is not None else set()
    body = sum(p.numel() for p in model.parameters() if id(p) not in embeddings | head_ids)
    tokens = case.batch * case.tokens
    flops = 2 * body * tokens + 4 * case.layers * case.batch * case.tokens**2 * case.hidden
    if case.family == "llama":
        flops = flops - 2 * case.layers * case.batch * case.tokens**2 * case.hidden  # causal: half the scores
        flops += 2 * case.hidden * case.vocabulary * case.batch * kept_positions
    return float(flops)


def timed(function, device: torch.device, repeats: int) -> tuple[float, float]:
    """Median seconds of ``repeats`` calls after one warm-up, and the peak memory of one call (GiB)."""
    function()
    synchronise(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        synchronise(device)
        times.append(time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
    return statistics.median(times), peak


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def conservation_error(model: torch.nn.Module, explainer: Explainer, batch) -> float:
    """The relative conservation error of one row with every bias zeroed (then restored)."""
    saved = {name: p.detach().clone() for name, p in model.named_parameters() if name.endswith("bias")}
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in saved:
                p.zero_()
    try:
        attribution = explainer.attributor.attribute(explainer.forward, explainer.composite, batch, 1)
        relevance = (attribution.relevance * batch.inputs["attention_mask"]).float()[0]
        explained = float(attribution.scores[0])
        return abs(explained - float(relevance.sum())) / (float(relevance.abs().sum()) + abs(explained))
    finally:
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name in saved:
                    p.copy_(saved[name])


def measure(case: Case, tokenizer, device: torch.device, repeats: int, peak_tflops: float) -> Measured:
    model = build(case, tokenizer, device)
    explainer = Explainer(
        model, tokenizer, checkpointing=case.checkpointing, max_length=case.tokens, batch_size=case.batch,
        self_check=False,  # conservation is measured below, on the same shapes, with biases zeroed
    )
    vocabulary = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and w.islower() and len(w) >= 3)
    generator = torch.Generator().manual_seed(0)
    texts = [
        " ".join(vocabulary[i] for i in torch.randint(len(vocabulary), (case.tokens + 16,), generator=generator))
        for _ in range(case.batch)
    ]
    records = encode(tokenizer, texts, case.tokens)
    target = " yes" if case.family == "llama" else None
    answers = [explainer.targets.answer(target)] * case.batch
    batch = explainer.forward.batch(records, answers)
    error = conservation_error(model, explainer, explainer.forward.batch(records[:1], answers[:1]))
    keep = {"use_cache": False, "logits_to_keep": 1} if case.family == "llama" else {}

    def inference():
        with torch.inference_mode():
            model(**batch.inputs, **keep)

    def explain():
        explainer.attributor.attribute(explainer.forward, explainer.composite, batch, case.batch)

    inference_s, inference_peak = timed(inference, device, repeats)
    explain_s, explain_peak = timed(explain, device, repeats)
    tokens = case.batch * case.tokens
    forward_flops = model_flops(model, case, kept_positions=1)
    peak = peak_tflops * 1e12
    return Measured(
        case=case.name,
        parameters=sum(p.numel() for p in model.parameters()),
        tokens_per_call=tokens,
        inference_tokens_per_s=tokens / inference_s,
        cp_lrp_tokens_per_s=tokens / explain_s,
        time_ratio=explain_s / inference_s,
        inference_peak_gib=inference_peak,
        cp_lrp_peak_gib=explain_peak,
        memory_ratio=explain_peak / inference_peak,
        inference_mfu=forward_flops / inference_s / peak,
        cp_lrp_mfu=2 * forward_flops / explain_s / peak,
        conservation_error=error,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny shapes, on CPU if there is no GPU")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="the GPU's dense bf16 peak")
    parser.add_argument("--cases", nargs="+", help="names of the cases to run (default: all)")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    logging.set_verbosity_error()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type != "cuda" and not args.smoke:
        raise SystemExit("no CUDA device: this benchmark is for a GPU (--smoke runs tiny shapes on CPU)")
    tokenizer = load_tokenizer(bundled_model_path())  # WordPiece, 30522 ids: inside every vocabulary above
    cases = [c for c in (SMOKE if args.smoke else CASES) if not args.cases or c.name in args.cases]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"{name}, torch {torch.__version__}, bfloat16, sdpa, median of {args.repeats}, "
          f"peak {args.peak_tflops:g} TFLOP/s")
    print(f"{'case':18s} {'params':>8s} {'tokens':>6s} {'infer tok/s':>12s} {'cp-lrp tok/s':>12s} {'time x':>6s} "
          f"{'infer GiB':>9s} {'cp-lrp GiB':>10s} {'mem x':>6s} {'infer MFU':>9s} {'cp-lrp MFU':>10s} {'cons err':>9s}")
    results = []
    for case in cases:
        result = measure(case, tokenizer, device, args.repeats, args.peak_tflops)
        results.append(result)
        print(f"{case.name:18s} {result.parameters / 1e6:7.0f}M {result.tokens_per_call:6d} "
              f"{result.inference_tokens_per_s:12.0f} {result.cp_lrp_tokens_per_s:12.0f} {result.time_ratio:6.2f} "
              f"{result.inference_peak_gib:9.2f} {result.cp_lrp_peak_gib:10.2f} {result.memory_ratio:6.2f} "
              f"{result.inference_mfu:9.1%} {result.cp_lrp_mfu:10.1%} {result.conservation_error:9.1e}")
        del result
        if device.type == "cuda":
            torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"device": name, "results": [asdict(r) for r in results]}, file, indent=1)


if __name__ == "__main__":
    main()
