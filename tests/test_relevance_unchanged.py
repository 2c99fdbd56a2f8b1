"""Relevance of the families that conserved before the rules moved onto operations, pinned.

The file ``golden/relevance-by-family.json`` holds cp-lrp's and attnlrp's token relevance of every
family and head in ``tiny`` (biases and norm scales random, so every rule and every bias shows), as
the module-level rules computed it. Rules that follow the operations must give the same numbers
within 1e-5. ``GOLDEN_WRITE=1 pytest tests/test_relevance_unchanged.py -k ...`` writes the selected
entries anew (only when a change of relevance is meant). Two changes were meant, when the rules moved
onto operations and relevance came to be read at the first layer's input:

* ELECTRA projects its embeddings (``embeddings_project``) before its first layer: relevance is read
  after that projection, so its bias's share counts to the tokens (as the embedding LayerNorm's does);
  with zero biases the numbers are those of before (``test_electra_without_biases_reads_as_before``).
* DeBERTa's attnlrp: the module-level rule scaled every use of the query and key projections by 1/4;
  AttnLRP's uniform rule now splits only products of two input-dependent tensors (content to
  content), and the content-to-position terms, linear in the query or key, pass whole.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest
import tiny
import torch

from lrp_audit.lrp import CP_LRP, Explainer

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



def test_electra_without_biases_reads_as_before(tokenizer, texts):
    """Read at the embeddings' output (before the projection, as before) or at the first layer's
    input, a bias-free ELECTRA gives the same relevance."""
    model = tiny.model("electra", biases=False, norms=True)
    explanation = Explainer(model, tokenizer).explain(texts[:1])[0]
    encoding = tokenizer(texts[:1], return_tensors="pt", return_token_type_ids=False)
    leaf = {}

    def replaced(_module, _args, output):
        leaf["x"] = output.detach().requires_grad_(True)
        return leaf["x"]

    handle = model.electra.embeddings.register_forward_hook(replaced)
    try:
        with CP_LRP.context(model), torch.enable_grad():
            model(**encoding).logits[0, explanation.target].backward()
    finally:
        handle.remove()
    before = (leaf["x"] * leaf["x"].grad).sum(-1)[0].detach().numpy()
    np.testing.assert_allclose(explanation.relevance, before, rtol=1e-5, atol=1e-6)
