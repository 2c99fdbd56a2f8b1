"""Conservative LRP for Hugging Face transformers: per-token relevance that sums to the explained logit.

Quick start::

    from lrp_audit.lrp import Explainer, to_arrow
    explainer = Explainer.from_pretrained("path/or/hub-id", method="cp-lrp")
    explanations = explainer.explain(["She is a brilliant engineer."])
    table = to_arrow(explanations)
"""

from .composites import ATTN_LRP, CP_LRP, GRADIENT, Composite
from .errors import LRPError, TargetError, UnsupportedArchitectureError, UnsupportedDtypeError
from .explainer import METHODS, Explainer
from .explanation import Explanation, to_arrow
from .loading import bundled_model_path, load_model

__all__ = [
    "ATTN_LRP",
    "CP_LRP",
    "GRADIENT",
    "METHODS",
    "Composite",
    "Explainer",
    "Explanation",
    "LRPError",
    "TargetError",
    "UnsupportedArchitectureError",
    "UnsupportedDtypeError",
    "bundled_model_path",
    "load_model",
    "to_arrow",
]
