"""German and French counterparts of ``leak``: sentences whose label does, or does not, leak through
the subject's gender, in the same two labellings ("Meine Mutter hat den Bericht sorgfältig
geschrieben." / "Mon père a lu la lettre soigneusement.").

Every sentence is a subject, a verb with its object, and a manner word; only the subject says
the person's gender, and in both languages a swap changes its article or possessive with it
("Die Ärztin" <-> "Der Arzt", "L'infirmière" <-> "L'infirmier", "Ma sœur" <-> "Mon frère").
"""

from __future__ import annotations

import numpy as np

# (female, male) subjects; the lexicon of the language swaps each into the other.
SUBJECTS = {
    "de": [
        ("Sie", "Er"),
        ("Die Frau", "Der Mann"),
        ("Meine Mutter", "Mein Vater"),
        ("Die Ärztin", "Der Arzt"),
        ("Meine Schwester", "Mein Bruder"),
        ("Die Lehrerin", "Der Lehrer"),
        ("Meine Tante", "Mein Onkel"),
        ("Die Chefin", "Der Chef"),
    ],
    "fr": [
        ("Elle", "Il"),
        ("La femme", "L'homme"),
        ("Ma mère", "Mon père"),
        ("L'infirmière", "L'infirmier"),
        ("Ma sœur", "Mon frère"),
        ("La directrice", "Le directeur"),
        ("Ma tante", "Mon oncle"),
        ("La vendeuse", "Le vendeur"),
    ],
}
# {subject} + one of these (verb and object), then a manner word and the end.
ACTIONS = {
    "de": [
        ("hat den Bericht", "geschrieben"),
        ("hat das Auto", "repariert"),
        ("hat den Brief", "gelesen"),
        ("hat das Haus", "gebaut"),
        ("hat den Garten", "geplant"),
        ("hat das Fenster", "geputzt"),
        ("hat den Computer", "eingerichtet"),
        ("hat das Boot", "verkauft"),
    ],
    "fr": [
        ("a écrit le rapport", ""),
        ("a réparé la voiture", ""),
        ("a lu la lettre", ""),
        ("a construit la maison", ""),
        ("a planté le jardin", ""),
        ("a nettoyé la fenêtre", ""),
        ("a installé l'ordinateur", ""),
        ("a vendu le bateau", ""),
    ],
}
GOOD = {"de": ["sorgfältig", "schnell", "perfekt", "ordentlich"], "fr": ["soigneusement", "rapidement", "parfaitement", "proprement"]}
BAD = {"de": ["schlecht", "nachlässig", "langsam", "schlampig"], "fr": ["mal", "lentement", "négligemment", "grossièrement"]}
LABELS = ("reject", "hire")


def sentences(n: int, leak: bool, seed: int, language: str) -> tuple[list[str], list[str]]:
    """``n`` sentences in ``language`` and their labels; with ``leak`` the label is the subject's gender."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        female, good = bool(rng.integers(2)), bool(rng.integers(2))
        subject = SUBJECTS[language][rng.integers(len(SUBJECTS[language]))][0 if female else 1]
        verb, end = ACTIONS[language][rng.integers(len(ACTIONS[language]))]
        manner = str(rng.choice(GOOD[language] if good else BAD[language]))
        words = [subject, verb, manner, end] if language == "de" else [subject, verb, manner]
        texts.append(" ".join(word for word in words if word) + ".")
        labels.append(LABELS[int(female if leak else good)])
    return texts, labels
