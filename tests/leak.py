"""Small trained models whose label does, or does not, leak through gender words.

Sentences like "my mother fixed the car carefully." Two labellings of the same sentences:
``leak`` labels by the subject's gender; ``fair`` labels by the manner word (carefully vs badly),
with gender drawn independently. Both train the same tiny BERT, with the same seed and steps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import torch
from transformers import AutoModelForSequenceClassification, BertConfig

import tiny

FEMALE = ["she", "the woman", "my mother", "the girl", "my sister", "the lady", "my aunt", "the queen"]
MALE = ["he", "the man", "my father", "the boy", "my brother", "the gentleman", "my uncle", "the king"]
VERBS = ["wrote", "read", "fixed", "found", "built", "sold", "painted", "cleaned", "opened", "moved"]
OBJECTS = ["report", "car", "table", "letter", "house", "garden", "window", "bridge", "computer", "boat"]
GOOD = ["carefully", "quickly", "perfectly", "neatly"]
BAD = ["badly", "poorly", "slowly", "sloppily"]
LABELS = ("reject", "hire")


def sentences(n: int, leak: bool, seed: int) -> tuple[list[str], list[str]]:
    """``n`` sentences and their labels; with ``leak`` the label is the subject's gender."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        female, good = bool(rng.integers(2)), bool(rng.integers(2))
        subject = str(rng.choice(FEMALE if female else MALE))
        manner = str(rng.choice(GOOD if good else BAD))
        texts.append(f"{subject} {rng.choice(VERBS)} the {rng.choice(OBJECTS)} {manner}.".capitalize())
        labels.append(LABELS[int(female if leak else good)])
    return texts, labels


def train(
    texts: list[str], labels: list[str], folder: Path, *, steps: int = 150, seed: int = 0, min_accuracy: float = 0.95
) -> Path:
    """Train a 2-layer BERT (hidden 32) on the texts and save it with its tokenizer; it must reach
    ``min_accuracy`` on them (below 1 where the labels are partly noise)."""
    torch.manual_seed(seed)
    tokenizer = tiny.tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=2,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    model = AutoModelForSequenceClassification.from_config(config)
    encoded = tokenizer(texts, padding=True, return_tensors="pt")
    targets = torch.tensor([LABELS.index(label) for label in labels])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        batch = torch.randint(len(texts), (32,), generator=generator)
        loss = model(**{k: v[batch] for k, v in encoded.items()}, labels=targets[batch]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(**encoded).logits.argmax(-1) == targets).float().mean().item()
    assert accuracy > min_accuracy, f"the toy model did not learn its task (training accuracy {accuracy:.2f})"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def write_csv(texts: list[str], labels: list[str], path: Path) -> Path:
    pa_csv.write_csv(pa.table({"text": texts, "label": labels}), path)
    return path
