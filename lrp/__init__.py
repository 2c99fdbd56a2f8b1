"""Conservative LRP for Hugging Face transformers: per-token relevance that sums to the explained logit.

Quick start::

    from lrp_audit.lrp import Explainer, to_tables
    explainer = Explainer.from_pretrained("path/or/hub-id", method="cp-lrp")
    explanations = explainer.explain(["She is a brilliant engineer."])
    tables = to_tables(explanations)  # tokens, words, examples, errors: a scan's tables
"""

from .attributors import GradientTimesInput, IntegratedGradients
from .composites import ATTN_LRP, CP_LRP, GRADIENT, Composite
from .errors import LRPError, TargetError, UnsupportedArchitectureError, UnsupportedDtypeError
from .explainer import Explainer
from .explanation import Explanation
from .loading import bundled_model_path, load_model, load_tokenizer
from .methods import METHODS, Method
from .tables import to_tables

__all__ = [
    "ATTN_LRP",
    "CP_LRP",
    "GRADIENT",
    "METHODS",
    "Composite",
    "Explainer",
    "Explanation",
    "GradientTimesInput",
    "IntegratedGradients",
    "LRPError",
    "Method",
    "TargetError",
    "UnsupportedArchitectureError",
    "UnsupportedDtypeError",
    "bundled_model_path",
    "load_model",
    "load_tokenizer",
    "to_tables",
]
