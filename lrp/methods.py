"""Methods: a composite (which rule applies where) paired with an attributor (how relevance is read)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .attributors import Attributor, GradientTimesInput, IntegratedGradients
from .composites import ATTN_LRP, CP_LRP, GRADIENT, Composite
from .errors import LRPError


@dataclass(frozen=True)
class Method:
    name: str
    composite: Composite
    attributor: Attributor

    def with_steps(self, steps: int) -> "Method":
        """The method with ``steps`` integration points, where its attributor integrates."""
        if not hasattr(self.attributor, "steps"):
            return self
        return replace(self, attributor=replace(self.attributor, steps=steps))

    def describe(self) -> dict:
        """The rules by part of the model and the attributor, for manifests and reports."""
        return {"method": self.name, "rules": self.composite.describe(), "attributor": self.attributor.describe()}


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method("cp-lrp", CP_LRP, GradientTimesInput()),
        Method("attnlrp", ATTN_LRP, GradientTimesInput()),
        Method("gxi", GRADIENT, GradientTimesInput()),
        Method("ig", GRADIENT, IntegratedGradients()),
    )
}


def resolve_method(name: str) -> Method:
    """The registered method called ``name``; the one place an unknown name is refused."""
    if name not in METHODS:
        raise LRPError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")
    return METHODS[name]
