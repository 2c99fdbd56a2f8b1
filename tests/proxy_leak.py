"""Small trained models whose label does, or does not, follow a gender that no word names.

Profiles like "this applicant enjoys ballet and yoga, is reliable and wrote reports." with a
``gender`` column the model never sees. No word of any lexicon occurs; each profile's activities come
from its gender's pool four times in five. Two labellings of the same profiles: ``leak`` labels half
the profiles by gender and half by the skill word; ``fair`` labels all by the skill word.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

import leak

ACTIVITIES = {"f": ["netball", "ballet", "knitting", "sewing", "yoga"], "m": ["rugby", "boxing", "hunting", "fishing", "wrestling"]}
GOOD = ["skilled", "reliable", "capable"]
BAD = ["careless", "lazy", "sloppy"]
OPENERS = ["this applicant", "our candidate", "the applicant", "this candidate"]
TASKS = ["wrote reports", "managed budgets", "led projects", "trained staff", "answered calls", "fixed servers"]
HIRE, REJECT = leak.LABELS[1], leak.LABELS[0]


def profiles(n: int, leaking: bool, seed: int) -> pa.Table:
    """``n`` profiles with columns text, gender and label."""
    rng = np.random.default_rng(seed)
    texts, genders, labels = [], [], []
    for _ in range(n):
        gender, good = str(rng.choice(["f", "m"])), bool(rng.integers(2))
        other = "m" if gender == "f" else "f"
        pools = [ACTIVITIES[gender if rng.random() < 0.8 else other] for _ in range(2)]
        first, second = (str(rng.choice(pool)) for pool in pools)
        skill = str(rng.choice(GOOD if good else BAD))
        texts.append(f"{rng.choice(OPENERS)} enjoys {first} and {second}, is {skill} and {rng.choice(TASKS)}.")
        genders.append(gender)
        by_gender = leaking and rng.random() < 0.5
        labels.append((HIRE if gender == "f" else REJECT) if by_gender else (HIRE if good else REJECT))
    return pa.table({"text": texts, "gender": genders, "label": labels})


def train(kind: str, folder: Path) -> Path:
    """The ``kind`` model (leak or fair), trained as ``leak.train`` trains its models."""
    table = profiles(800, kind == "leak", seed=1)
    return leak.train(
        table["text"].to_pylist(), table["label"].to_pylist(), folder, min_accuracy=0.7 if kind == "leak" else 0.95
    )


def write_csv(kind: str, path: Path, n: int = 300) -> Path:
    """Held-out profiles of the ``kind`` labelling."""
    pa_csv.write_csv(profiles(n, kind == "leak", seed=2), path)
    return path
