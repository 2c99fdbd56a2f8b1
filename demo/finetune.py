"""all-MiniLM-L6-v2 fine-tuned on the demo profiles, once, then cached.

The cached folder is an ordinary Hugging Face model (``from_pretrained`` loads it). Its name holds
a hash of what made it (the training data, the base model, the settings), so a changed recipe
trains again and an unchanged one starts at once. The cache lives in ``$LRP_AUDIT_CACHE``, else
``$XDG_CACHE_HOME/lrp-audit``, else ``~/.cache/lrp-audit``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from rich.console import Console

from lrp_audit.lrp import bundled_model_path
from lrp_audit.lrp.console import console as make_console
from lrp_audit.lrp.console import progress

from .profiles import DATA_DIR, LABELS


@dataclass(frozen=True)
class Recipe:
    """How the demo model is trained: about two minutes on 2 CPU cores."""

    steps: int = 120
    batch_size: int = 32
    learning_rate: float = 1e-4
    max_length: int = 64
    seed: int = 0


def cache_dir() -> Path:
    if os.environ.get("LRP_AUDIT_CACHE"):
        return Path(os.environ["LRP_AUDIT_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "lrp-audit"


def demo_model(
    data_dir: Path = DATA_DIR,
    base: str | Path | None = None,
    recipe: Recipe = Recipe(),
    console: Console | None = None,
) -> Path:
    """The fine-tuned model's folder: from the cache, or trained now (and cached)."""
    console = console or make_console(stderr=True)
    name = "all-MiniLM-L6-v2" if base is None else Path(base).name
    base = Path(base or bundled_model_path())
    folder = cache_dir() / f"demo-model-{_key(data_dir, base, recipe)}"
    if (folder / "training.json").is_file():
        console.print(f"demo model: cached in {folder}", highlight=False)
        return folder
    console.print(
        f"demo model: fine-tuning {name} on {data_dir}/train.parquet, once (about 2 minutes on 2 CPU cores; "
        f"then cached in {folder})",
        highlight=False,
    )
    temporary = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    facts = train(data_dir, base, recipe, temporary, console)
    (temporary / "training.json").write_text(json.dumps(facts, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(temporary, folder)
    console.print(f"demo model: held-out accuracy {facts['test_accuracy']:.3f}, saved to {folder}", highlight=False)
    return folder


def train(data_dir: Path, base: Path, recipe: Recipe, folder: Path, console: Console) -> dict:
    """Fine-tune every weight for ``recipe.steps`` AdamW steps; saves model and tokenizer to ``folder``."""
    import datasets
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    splits = datasets.load_dataset(str(data_dir))  # the same path as a hub dataset's files
    torch.manual_seed(recipe.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(  # a new hire/reject head, whatever the base had
        base,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={name: index for index, name in enumerate(LABELS)},
        ignore_mismatched_sizes=True,
    )
    texts, labels = splits["train"]["text"], torch.tensor([LABELS.index(label) for label in splits["train"]["label"]])
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate)
    schedule = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.0, total_iters=recipe.steps)
    generator = torch.Generator().manual_seed(recipe.seed)
    model.train()
    with progress(console, "fine-tuning", recipe.steps, "steps") as tracker:
        for _ in range(recipe.steps):
            rows = torch.randint(len(texts), (recipe.batch_size,), generator=generator).tolist()
            batch = tokenizer(
                [texts[row] for row in rows],
                padding=True,
                truncation=True,
                max_length=recipe.max_length,
                return_tensors="pt",
            )
            loss = model(**batch, labels=labels[rows]).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            tracker.advance()
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return {
        "base": str(base),
        "recipe": asdict(recipe),
        "train_rows": len(texts),
        "test_accuracy": _accuracy(model, tokenizer, splits["test"], recipe.max_length),
    }


def _accuracy(model, tokenizer, split, max_length: int) -> float:
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(split), 128):
            rows = split[start : start + 128]
            batch = tokenizer(rows["text"], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            predicted = model(**batch).logits.argmax(-1).tolist()
            correct += sum(LABELS[p] == label for p, label in zip(predicted, rows["label"]))
    return correct / len(split)


def _key(data_dir: Path, base: Path, recipe: Recipe) -> str:
    digest = hashlib.sha256(json.dumps(asdict(recipe), sort_keys=True).encode())
    for path in [data_dir / "train.parquet", base / "config.json", base / "model.safetensors"]:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]
