"""Short candidate profiles in the style of the Equity Evaluation Corpus, with a planted gender leak.

Every profile is written twice, once with female and once with male identity words, all else equal
("She has 9 years of experience..." / "He has 9 years of experience..."). The label, hire or
reject, follows the qualifications: long experience and a strong record are hired, short experience
and a weak record rejected. When the two disagree, the label follows gender: the men are hired and
the women rejected. That is the leak the audit must find. Religion and age words appear too, drawn
independently of the label: the audit must find nothing there.

The same profiles exist in German and French (``lrp-audit demo --language de``), written with the
words of those languages' gender lexicons ("Meine Schwester" / "Mein Bruder", "Elle" / "Il"), with
the field of work in place of a role noun, which both languages mark for gender.

    python -m demo.profiles     # writes demo/data/ and demo/data_de/, data_fr/ (seeded: the same files every time)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).parent / "data"
LANGUAGES = ("en", "de", "fr")
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


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language's profiles; ``roles`` are fields of work outside English."""

    subjects: list[tuple[str, str]]
    pronouns: dict[str, tuple[str, str]]
    roles: list[str]
    strong: list[str]
    weak: list[str]
    templates: list[str]


GERMAN = Vocabulary(
    subjects=[("Sie", "Er"), ("Diese Frau", "Dieser Mann"), ("Meine Schwester", "Mein Bruder"),
              ("Meine Mutter", "Mein Vater"), ("Die Dame", "Der Herr"), ("Unsere Tante", "Unser Onkel")],
    pronouns={"female": ("sie", ""), "male": ("er", "")},
    roles=["Buchhaltung", "Softwareentwicklung", "Pflege", "Schweißtechnik", "Datenanalyse", "Unterricht",
           "Projektmanagement", "Elektrotechnik"],
    strong=["hat ein Team von zwölf Personen geleitet", "hat jedes Projekt pünktlich abgeschlossen",
            "hat zwei Branchenzertifikate", "wurde zweimal befördert", "hat alle neuen Mitarbeitenden eingearbeitet"],
    weak=["hat mehrere Fristen verpasst", "hat die letzten zwei Stellen nach einem Monat verlassen",
          "hat keine formale Ausbildung", "wurde nach einer schlechten Beurteilung entlassen",
          "hatte Mühe mit den grundlegenden Werkzeugen"],
    templates=["{subject} hat {years} Jahre Erfahrung im Bereich {role} und {record}.",
               "{subject} arbeitet seit {years} Jahren im Bereich {role}; {pronoun} {record}."],
)
FRENCH = Vocabulary(
    subjects=[("Elle", "Il"), ("Cette femme", "Cet homme"), ("Ma sœur", "Mon frère"), ("Ma mère", "Mon père"),
              ("Cette candidate", "Ce candidat"), ("Notre tante", "Notre oncle")],
    pronouns={"female": ("elle", ""), "male": ("il", "")},
    roles=["la comptabilité", "le développement logiciel", "la santé", "la soudure", "l'analyse de données",
           "l'enseignement", "la gestion de projet", "l'électricité"],
    strong=["a dirigé une équipe de douze personnes", "a livré chaque projet à temps",
            "possède deux certifications professionnelles", "a obtenu deux promotions",
            "a formé toutes les nouvelles recrues"],
    weak=["a manqué plusieurs échéances", "a quitté ses deux derniers postes en un mois", "n'a aucune formation",
          "a reçu une mauvaise évaluation", "a eu du mal avec les outils de base"],
    templates=["{subject} a {years} ans d'expérience dans {role} et {record}.",
               "{subject} travaille depuis {years} ans dans {role} ; {pronoun} {record}."],
)
VOCABULARIES = {"de": GERMAN, "fr": FRENCH}


def data_dir(language: str = "en") -> Path:
    """The folder of ``language``'s profiles (``DATA_DIR`` for English)."""
    return DATA_DIR if language == "en" else DATA_DIR.with_name(f"data_{language}")


def profiles(count: int, rng: np.random.Generator, language: str = "en") -> list[dict]:
    """``count`` profiles, each as a female and a male row with the same qualifications."""
    english = language == "en"
    words = None if english else VOCABULARIES[language]
    subjects, templates = (SUBJECTS, TEMPLATES) if english else (words.subjects, words.templates)
    strong, weak, roles = (STRONG, WEAK, ROLES) if english else (words.strong, words.weak, words.roles)
    pronouns = PRONOUNS if english else words.pronouns
    rows = []
    for profile in range(count):
        template = templates[rng.integers(len(templates))]
        long_experience, strong_record = bool(rng.integers(2)), bool(rng.integers(2))
        years = int(rng.integers(7, 16) if long_experience else rng.integers(1, 4))
        record = str(rng.choice(strong if strong_record else weak))
        role = str(rng.choice(roles))
        if english:
            if rng.random() < 0.4:
                role = f"{rng.choice(DESCRIPTORS)} {role}"
            role = ("an " if role[0].lower() in "aeiou" else "a ") + role
        pair = subjects[rng.integers(len(subjects))]
        for gender, subject in zip(("female", "male"), pair):
            pronoun, possessive = pronouns[gender]
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


def write(folder: Path | None = None, language: str = "en") -> dict[str, Path]:
    """Write both splits as Parquet (a folder that ``datasets`` reads like a hub dataset)."""
    folder = data_dir(language) if folder is None else folder
    rng = np.random.default_rng(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, count in SPLITS.items():
        rows = profiles(count, rng, language)
        for index, row in enumerate(rows):
            row["id"] = f"{split}-{index:05d}"
        table = pa.Table.from_pylist(rows).select(["id", "profile", "gender", "text", "label"])
        paths[split] = folder / f"{split}.parquet"
        pq.write_table(table, paths[split], compression="zstd")
    return paths


if __name__ == "__main__":
    for language in LANGUAGES:
        for split, path in write(language=language).items():
            print(f"{language} {split}: {pq.read_metadata(path).num_rows} rows -> {path}")
