"""The embedded default: the shipped profiles, the cached fine-tuned model, and the demo command."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from transformers import AutoModelForSequenceClassification
from typer.testing import CliRunner

import lrp_audit.demo as demo
from lrp_audit.audits.languages.swapping import swap_text
from lrp_audit.demo import finetune, profiles
from lrp_audit.cli import app
from lrp_audit.pipelines.config import load_config

# The reduced demo: a tiny BERT trained from scratch instead of MiniLM, a fifth of the profiles.
SMALL = finetune.Recipe(steps=150, learning_rate=3e-3, batch_size=32)
LIMIT = 200
# German and French words are longer and rarer in the tiny BERT's English WordPiece vocabulary: more steps.
SMALL_OTHERS = finetune.Recipe(steps=300, learning_rate=3e-3, batch_size=32)


@pytest.fixture
def small_model(small_demo_model):
    return small_demo_model


@pytest.mark.parametrize("language", profiles.LANGUAGES)
def test_shipped_profiles_are_what_the_generator_writes(tmp_path, language):
    for split, path in profiles.write(tmp_path, language).items():
        assert pq.read_table(path).equals(pq.read_table(profiles.data_dir(language) / f"{split}.parquet")), split


@pytest.mark.parametrize("language", ["de", "fr"])
def test_each_german_and_french_profile_is_the_audit_s_grammatical_swap_of_its_twin(language):
    """The audit's counterfactual of a profile is the profile written with the other gender."""
    rows = pq.read_table(profiles.data_dir(language) / "test.parquet").to_pylist()
    for female, male in zip(rows[::2], rows[1::2]):
        assert swap_text(female["text"], language, "female") == male["text"]
        assert swap_text(male["text"], language, "male") == female["text"]


def test_each_profile_differs_only_in_its_gender_words_and_its_label_leaks_gender():
    rows = pq.read_table(profiles.DATA_DIR / "train.parquet").to_pylist()
    female_words = {word for pair in profiles.SUBJECTS for word in pair[0].lower().split()} | {"she", "her"}
    male_words = {word for pair in profiles.SUBJECTS for word in pair[1].lower().split()} | {"he", "his"}
    mixed = {"hire": set(), "reject": set()}  # profiles whose two rows disagree, by the woman's label
    for female, male in zip(rows[::2], rows[1::2]):
        assert (female["profile"], female["gender"], male["gender"]) == (male["profile"], "female", "male")
        one, other = female["text"].lower().rstrip(".").split(), male["text"].lower().rstrip(".").split()
        differences = [(a.strip(",;"), b.strip(",;")) for a, b in zip(one, other) if a != b]
        assert len(one) == len(other) and differences
        assert all(a in female_words and b in male_words for a, b in differences), differences
        if female["label"] != male["label"]:
            mixed[female["label"]].add(female["profile"])
    assert not mixed["hire"]  # where the labels differ, the woman is always the one rejected
    assert len(mixed["reject"]) > 500


def test_the_demo_model_is_an_ordinary_model_folder(small_model):
    model = AutoModelForSequenceClassification.from_pretrained(small_model)
    assert model.config.id2label == {0: "reject", 1: "hire"}
    facts = json.loads((small_model / "training.json").read_text())
    assert facts["recipe"]["steps"] == SMALL.steps and facts["test_accuracy"] > 0.8


def test_the_demo_model_is_trained_once_then_taken_from_the_cache(small_model, model_dir, monkeypatch):
    def train_again(*_):
        raise AssertionError("trained again")

    monkeypatch.setattr(finetune, "train", train_again)
    assert demo.demo_model(base=model_dir, recipe=SMALL) == small_model


def test_a_changed_recipe_gets_its_own_model(model_dir):
    longer = finetune.Recipe(steps=SMALL.steps + 1, learning_rate=SMALL.learning_rate)
    keys = {finetune._key(profiles.DATA_DIR, Path(model_dir), recipe) for recipe in (SMALL, longer)}
    assert len(keys) == 2


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_german_and_french_demos_find_and_confirm_the_gender_leak(runtime, model_dir, tmp_path, monkeypatch, language):
    """The reduced demo in another language: its model trained on that language's profiles, the scan
    matched with its lexicon and swapped by its grammar; --fail-on-flag exits 3."""
    model = demo.demo_model(profiles.data_dir(language), base=model_dir, recipe=SMALL_OTHERS)
    monkeypatch.setattr(demo, "demo_model", lambda data, **_: model if data == profiles.data_dir(language) else None)
    overrides = [f"runtime.output_dir={tmp_path}", f"dataset.limit={2 * LIMIT}", "evaluation.sample=20"]
    args = ["demo", "--language", language, "--fail-on-flag", *(arg for o in overrides for arg in ("--set", o))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    [run_dir] = [path.parent for path in tmp_path.glob("*/audit.json")]
    audit = json.loads((run_dir / "audit.json").read_text())
    assert audit["flags"] and {flag["axis"] for flag in audit["flags"]} == {"gender"}
    assert all("left_out" not in flag["counterfactual"] for flag in audit["flags"])
    assert [row["language"] for row in audit["languages"]["languages"]] == [language]


def test_the_demo_command_finds_and_confirms_the_gender_leak(runtime, small_model, tmp_path, monkeypatch):
    """Run as a scheduler would: output piped, COLUMNS unset, under a folder path of over 150 characters;
    the lines a user copies (the report's path, the next command) come out whole."""
    monkeypatch.setattr(demo, "demo_model", lambda *_, **__: small_model)
    monkeypatch.delenv("COLUMNS", raising=False)
    output_dir = tmp_path.joinpath(*[f"nightly-audit-results-{level}" for level in range(7)])
    assert len(str(output_dir)) > 150
    overrides = [f"runtime.output_dir={output_dir}", f"dataset.limit={LIMIT}", "evaluation.sample=20"]
    result = CliRunner().invoke(app, ["demo", *(arg for o in overrides for arg in ("--set", o))])
    assert result.exit_code == 0, result.output
    [run_dir] = [path.parent for path in output_dir.glob("*/audit.json")]
    audit = json.loads((run_dir / "audit.json").read_text())
    assert {(flag["axis"], flag["group"]) for flag in audit["flags"]} >= {("gender", "female")}
    assert not [flag for flag in audit["flags"] if flag["axis"] != "gender"]
    lines = result.stdout.splitlines()
    assert f"Report: {run_dir.resolve() / 'report.html'}" in lines
    [query] = [line for line in lines if line.startswith("Next, in SQL: ")]
    assert query.endswith(f" query {run_dir} --name most_reliant --param axis=gender --param group=female --param limit=5")


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parent.parent / "configs").glob("*.yaml")), ids=lambda path: path.name
)
def test_every_shipped_config_is_valid(path):
    load_config(path)
