"""Peak memory and time of cp-lrp with and without gradient checkpointing, relative to inference.

    .venv/bin/python benchmarks/checkpointing.py                  # 512, 2048 and 8192 tokens
    .venv/bin/python benchmarks/checkpointing.py --lengths 512 1024 --repeats 1

A small random Llama-shaped causal LM (hidden 256, 4 layers, 4 heads, 2 kv heads, sdpa, float32)
explains the next token " Yes" after one text of exactly N tokens. Each (length, mode) runs in a
fresh process (a process cannot reliably give memory back): it builds the model, warms up at 64
tokens, then measures one call. "extra" is the peak resident memory during that call minus the
resident memory just before it (the activations); "total" is the process's whole peak (model and
libraries too); time is the median of ``--repeats`` calls. All three are ratios to plain inference
(``torch.inference_mode``, ``use_cache=False``, ``logits_to_keep=1``) of the same input, measured in
the same run. Relevance with and without checkpointing is compared at every length: checkpointing
trades time for memory and must not change the result. Target: with checkpointing, extra memory at
most 1.5x inference's at the longest length.

Children run with glibc's mmap threshold fixed at 64 KiB, so that freed tensors leave resident memory
at once and the peak is that of live tensors; ``--glibc-default`` keeps glibc's adaptive threshold,
whose cached free memory inflates every peak by an amount that depends on allocation history.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODES = ("inference", "cp-lrp", "cp-lrp+checkpointing")
WARM_UP_TOKENS = 64
TARGET = " Yes"
MIB = 1024 * 1024
TARGET_RATIO = 1.5


def status(field: str) -> int:
    """A /proc/self/status memory field in bytes (VmRSS: resident now, VmHWM: peak resident)."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE).group(1)) * 1024


def settle() -> bool:
    """Free what can be freed and restart the peak count at the current resident memory (Linux
    ``clear_refs``); False where the peak cannot be reset (it then includes model loading)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def model_and_tokenizer():
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from lrp_audit.lrp import bundled_model_path, load_tokenizer

    tokenizer = load_tokenizer(bundled_model_path())  # WordPiece, 30522 ids: all inside the model's 32000
    config = LlamaConfig(
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        intermediate_size=1024,
        vocab_size=32000,
        max_position_embeddings=8192,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        attn_implementation="sdpa",
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config).to(torch.float32).eval(), tokenizer


def long_text(tokenizer, words: int) -> str:
    """Random whole words of the vocabulary, one token each: a text of ``words`` + 2 tokens."""
    vocabulary = sorted(w for w in tokenizer.get_vocab() if w.isalpha() and w.islower() and len(w) >= 3)
    rng = np.random.default_rng(0)
    return " ".join(rng.choice(vocabulary, words))


def child(tokens: int, mode: str, relevance_path: str | None, repeats: int) -> dict:
    """One measured call in this process; returns memory in bytes and time in seconds."""
    import torch
    from transformers.utils import logging

    from lrp_audit.lrp import Explainer
    from lrp_audit.lrp.encoding import encode

    logging.set_verbosity_error()
    model, tokenizer = model_and_tokenizer()
    explainer = Explainer(
        model, tokenizer, "cp-lrp", checkpointing=mode.endswith("checkpointing"), max_length=tokens, batch_size=1
    )
    text = long_text(tokenizer, tokens + 16)
    answers = [explainer.targets.answer(TARGET)]

    def batch_of(length: int):
        records = encode(tokenizer, [text], length)
        assert len(records[0]) == length and records[0].truncated, len(records[0])
        return explainer.forward.batch(records, answers)

    def run(batch):
        if mode == "inference":
            with torch.inference_mode():
                return model(**batch.inputs, use_cache=False, logits_to_keep=1).logits
        return explainer.attributor.attribute(explainer.forward, explainer.composite, batch, 1)

    run(batch_of(WARM_UP_TOKENS))  # one-time allocations: kernels, caches, the rules' probes
    batch = batch_of(tokens)
    reset = settle()
    before = status("VmRSS")
    start = time.perf_counter()
    result = run(batch)
    times = [time.perf_counter() - start]
    peak = status("VmHWM")
    for _ in range(repeats - 1):
        start = time.perf_counter()
        run(batch)
        times.append(time.perf_counter() - start)
    if relevance_path is not None:
        relevance = (result.relevance * batch.inputs["attention_mask"].float()).detach().numpy()
        np.save(relevance_path, relevance)
    return {"before": before, "peak": peak, "seconds": statistics.median(times), "peak_reset": reset}


def measure(tokens: int, mode: str, folder: Path, args: argparse.Namespace) -> dict:
    """Run one (length, mode) in a fresh interpreter."""
    environment = dict(os.environ)
    if not args.glibc_default:
        environment.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")
    command = [sys.executable, __file__, "--child", "--tokens", str(tokens), "--mode", mode]
    command += ["--repeats", str(args.repeats)]
    relevance = None
    if mode != "inference":
        relevance = folder / f"{tokens}-{mode}.npy"
        command += ["--relevance", str(relevance)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        raise SystemExit(f"{tokens} tokens, {mode}: the child failed\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["relevance"] = None if relevance is None else np.load(relevance)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[512, 2048, 8192])
    parser.add_argument("--repeats", type=int, default=3, help="calls timed per row (median)")
    parser.add_argument("--glibc-default", action="store_true", help="keep glibc's adaptive mmap threshold")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--relevance", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.tokens, args.mode, args.relevance, args.repeats)))
        return

    import torch

    print(f"random Llama (hidden 256, 4 layers, 4 heads, 2 kv heads, ffn 1024, vocab 32000), float32, sdpa, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}, one process per row, "
          f"time: median of {args.repeats}, "
          f"{'glibc default' if args.glibc_default else 'fixed mmap threshold'}")
    print(f"{'tokens':>6s}  {'mode':22s} {'extra MiB':>9s} {'ratio':>6s}  {'total MiB':>9s} {'ratio':>6s}  "
          f"{'time ratio':>10s}")
    equal, ratios = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for tokens in args.lengths:
            runs = {mode: measure(tokens, mode, Path(folder), args) for mode in MODES}
            base = runs["inference"]
            base_extra = max(base["peak"] - base["before"], 1)
            for mode, run in runs.items():
                extra = run["peak"] - run["before"]
                print(f"{tokens:6d}  {mode:22s} {extra / MIB:9.1f} {extra / base_extra:6.2f}  "
                      f"{run['peak'] / MIB:9.1f} {run['peak'] / base['peak']:6.2f}  "
                      f"{run['seconds'] / base['seconds']:10.2f}")
            checkpointing = runs["cp-lrp+checkpointing"]
            ratios[tokens] = (checkpointing["peak"] - checkpointing["before"]) / base_extra
            plain, checkpointed = runs["cp-lrp"]["relevance"], runs["cp-lrp+checkpointing"]["relevance"]
            equal[tokens] = float(np.abs(plain - checkpointed).max() / np.abs(plain).max())
            if not all(run["peak_reset"] for run in runs.values()):
                print("        (the peak could not be reset: it includes building the model)")
    for tokens, difference in equal.items():
        verdict = "equal" if difference <= 1e-5 else "DIFFERENT"
        print(f"relevance with checkpointing vs without at {tokens} tokens: max |diff| / max |R| = "
              f"{difference:.2e} ({verdict} to 1e-5)")
    longest = max(ratios)
    verdict = "met" if ratios[longest] <= TARGET_RATIO else "NOT met"
    print(f"target: with checkpointing at {longest} tokens, extra memory {ratios[longest]:.2f}x inference's "
          f"(at most {TARGET_RATIO}x): {verdict}")


if __name__ == "__main__":
    main()
