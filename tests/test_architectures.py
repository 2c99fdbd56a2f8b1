"""The architecture matrix: every text family of the installed transformers with a sequence-
classification or causal-LM head, built tiny from its own config (``architectures``), explained with
cp-lrp. The list comes from transformers' registries, so a newer transformers is measured too.

One pass over all the families (about 30 s on two cores), then one behaviour per test."""

import architectures
import numpy as np
import pytest

from lrp_audit.lrp import Explainer

# The families auditors bring most in 2026, and the hybrids and mixtures of experts they stand for.
MOST_BROUGHT = (
    "gemma4_text", "llama4_text", "gpt_oss", "qwen3_5_text", "qwen3_next", "granitemoehybrid", "phimoe",
    "nemotron", "olmo", "jamba", "falcon_h1", "mamba", "mamba2", "bert", "roberta", "modernbert", "llama",
)

ATTENTION_FREE = ("mamba", "mamba2")


@pytest.fixture(scope="module")
def matrix() -> dict[tuple[str, str], architectures.Outcome]:
    return {pair: architectures.outcome(*pair) for pair in architectures.pairs()}


def _kind(matrix, kind: str) -> list[architectures.Outcome]:
    return [result for result in matrix.values() if result.kind == kind]


def test_the_matrix_is_every_text_family_of_the_registries(matrix):
    families = {model_type for model_type, _ in matrix}
    assert len(matrix) >= 250 and set(MOST_BROUGHT) <= families
    assert {head for _, head in matrix} == {architectures.SEQUENCE_CLASSIFICATION, architectures.CAUSAL_LM}


def test_at_least_97_percent_of_the_families_that_build_conserve(matrix):
    built = [result for result in matrix.values() if result.kind != "no-build"]
    conserving = _kind(matrix, "conserve")
    others = [f"{r.model_type} [{r.head}] {r.kind}: {r.detail[:120]}" for r in built if r.kind != "conserve"]
    assert len(conserving) >= 0.97 * len(built), "\n".join(others)


def test_no_family_crashes(matrix):
    assert not _kind(matrix, "crash"), [f"{r.model_type} [{r.head}]: {r.detail}" for r in _kind(matrix, "crash")]


def test_no_family_leaks_without_being_refused(matrix):
    assert not _kind(matrix, "leak"), [f"{r.model_type} [{r.head}]: {r.detail}" for r in _kind(matrix, "leak")]


def test_each_refusal_names_what_is_not_reached(matrix):
    """The operation or module the rules miss, or where explaining failed: never a bare refusal."""
    for refused in _kind(matrix, "refused"):
        named = (
            "operations without a rule:", "relevance is lost or made in", "explaining it failed in", "tokens of its own before"
        )
        assert any(words in refused.detail for words in named), refused


@pytest.mark.parametrize("family", MOST_BROUGHT)
def test_the_families_auditors_bring_most_conserve(family, matrix):
    results = [result for (model_type, _), result in matrix.items() if model_type == family]
    assert results and all(result.kind == "conserve" for result in results), results


def test_no_family_is_left_out_but_for_a_reason(matrix):
    """Families that cannot be built tiny (a default config this transformers cannot build, an input
    the shared tokenizer cannot give) say why; they are few."""
    unbuilt = _kind(matrix, "no-build")
    assert len(unbuilt) <= 0.05 * len(matrix) and all(result.detail for result in unbuilt)


@pytest.mark.parametrize("family", MOST_BROUGHT)
def test_attnlrp_reaches_the_families_auditors_bring_most(family, tokenizer, texts):
    """AttnLRP's rules are cp-lrp's but for the attention weights: where those reach a model, so do
    these, and they differ from cp-lrp's exactly where the model attends (not at all in Mamba)."""
    for model_type, head in architectures.pairs():
        if model_type == family:
            model = architectures.runnable(model_type, head)
            attn = Explainer(model, tokenizer, "attnlrp").explain(texts)
            cp = Explainer(model, tokenizer).explain(texts)
            assert all(np.isfinite(e.relevance).all() for e in attn)
            same = all(np.allclose(a.relevance, c.relevance, rtol=1e-5, atol=1e-7) for a, c in zip(attn, cp))
            assert same == (family in ATTENTION_FREE)
