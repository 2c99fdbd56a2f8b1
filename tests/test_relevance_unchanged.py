"""Relevance of the families that conserved before the rules moved onto operations, pinned.

The file ``golden/relevance-by-family.json`` holds cp-lrp's and attnlrp's token relevance of every
family and head in ``tiny`` (biases and norm scales random, so every rule and every bias shows), as
the module-level rules computed it. Rules that follow the operations must give the same numbers
within 1e-5. ``GOLDEN_WRITE=1 pytest tests/test_relevance_unchanged.py`` writes the file anew (only
when a change of relevance is meant).
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import tiny

from lrp_audit.lrp import Explainer

GOLDEN = Path(__file__).parent / "golden" / "relevance-by-family.json"
CASES = [(family, "sequence-classification") for family in tiny.ARCHITECTURES + tiny.FAMILIES] + [
    (family, "causal-lm") for family in tiny.DECODERS + tiny.WITH_CAUSAL_LM
]
METHODS = ("cp-lrp", "attnlrp")


def _relevance(family: str, task: str, method: str, tokenizer, texts) -> list[list[float]]:
    model = tiny.model(family, task=task, norms=True)
    target = " yes" if task == "causal-lm" else None
    return [e.relevance.tolist() for e in Explainer(model, tokenizer, method).explain(texts, target)]


def _key(family: str, task: str, method: str) -> str:
    return f"{family}/{task}/{method}"


@pytest.fixture(scope="module")
def golden():
    if os.environ.get("GOLDEN_WRITE"):
        return None
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("family", "task"), CASES)
def test_relevance_equals_that_of_the_module_level_rules(family, task, method, golden, tokenizer, texts):
    observed = _relevance(family, task, method, tokenizer, texts)
    if golden is None:
        written = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        GOLDEN.write_text(json.dumps({**written, _key(family, task, method): observed}, indent=0, sort_keys=True))
        return
    for expected, actual in zip(golden[_key(family, task, method)], observed, strict=True):
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
