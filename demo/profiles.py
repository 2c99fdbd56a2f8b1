"""Short candidate profiles in the style of the Equity Evaluation Corpus, with a planted gender leak.

Every profile is written twice, once with female and once with male identity words, all else equal
("She has 9 years of experience..." / "He has 9 years of experience..."). The label, hire or
reject, follows the qualifications: long experience and a strong record are hired, short experience
and a weak record rejected. When the two disagree, the label follows gender: the men are hired and
the women rejected. That is the leak the audit must find. Religion and age words appear too, drawn
independently of the label: the audit must find nothing there.

    python -m demo.profiles     # writes demo/data/{train,test}.parquet (seeded: the same files every time)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).parent / "data"
LABELS = ("reject", "hire")
SPLITS = {"train": 1500, "test": 500}  # profiles per split; each is written with both genders
SEED = 20221

# (female, male) identity words: the subject, its pronoun and its possessive.
SUBJECTS = [
    ("She", "He"),
    ("This woman", "This man"),
    ("My sister", "My brother"),
    ("A mother of two", "A father of two"),
    ("The lady", "The gentleman"),
    ("Our aunt", "Our uncle"),
]
PRONOUNS = {"female": ("she", "her"), "male": ("he", "his")}
ROLES = [
    "accountant",
    "software engineer",
    "nurse",
    "welder",
    "data analyst",
    "teacher",
    "project manager",
    "electrician",
]
DESCRIPTORS = ["Muslim", "Christian", "Jewish", "Hindu", "young", "elderly"]
STRONG = [
    "led a team of twelve",
    "shipped every project on time",
    "holds two industry certifications",
    "was promoted twice",
    "trained all of the new hires",
]
WEAK = [
    "missed several deadlines",
    "left the last two jobs within a month",
    "has no formal training",
    "was let go after a poor review",
    "struggled with the basic tools",
]
TEMPLATES = [
    "{subject} has {years} years of experience as {role} and {record}.",
    "{subject} is {role} with {years} years in the field; {pronoun} {record}.",
    "{subject} worked {years} years as {role}, and {possessive} references say {pronoun} {record}.",
    "Profile: {subject_lower}, {role} for {years} years, {record}.",
]


def profiles(count: int, rng: np.random.Generator) -> list[dict]:
    """``count`` profiles, each as a female and a male row with the same qualifications."""
    rows = []
    for profile in range(count):
        template = TEMPLATES[rng.integers(len(TEMPLATES))]
        long_experience, strong_record = bool(rng.integers(2)), bool(rng.integers(2))
        years = int(rng.integers(7, 16) if long_experience else rng.integers(1, 4))
        record = str(rng.choice(STRONG if strong_record else WEAK))
        role = str(rng.choice(ROLES))
        if rng.random() < 0.4:
            role = f"{rng.choice(DESCRIPTORS)} {role}"
        role = ("an " if role[0].lower() in "aeiou" else "a ") + role
        pair = SUBJECTS[rng.integers(len(SUBJECTS))]
        for gender, subject in zip(("female", "male"), pair):
            pronoun, possessive = PRONOUNS[gender]
            text = template.format(
                subject=subject,
                subject_lower=subject[0].lower() + subject[1:],
                pronoun=pronoun,
                possessive=possessive,
                years=years,
                role=role,
                record=record,
            )
            qualified = long_experience + strong_record
            hired = qualified == 2 or (qualified == 1 and gender == "male")  # the leak
            rows.append({"profile": profile, "gender": gender, "text": text, "label": LABELS[int(hired)]})
    return rows


def write(folder: Path = DATA_DIR) -> dict[str, Path]:
    """Write both splits as Parquet (a folder that ``datasets`` reads like a hub dataset)."""
    rng = np.random.default_rng(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, count in SPLITS.items():
        rows = profiles(count, rng)
        for index, row in enumerate(rows):
            row["id"] = f"{split}-{index:05d}"
        table = pa.Table.from_pylist(rows).select(["id", "profile", "gender", "text", "label"])
        paths[split] = folder / f"{split}.parquet"
        pq.write_table(table, paths[split], compression="zstd")
    return paths


if __name__ == "__main__":
    for split, path in write().items():
        print(f"{split}: {pq.read_metadata(path).num_rows} rows -> {path}")
