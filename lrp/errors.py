"""Errors the engine raises for inputs it refuses; each message names what to change."""


class LRPError(ValueError):
    """Base class: bad input or a model the rules cannot explain faithfully."""


class UnsupportedArchitectureError(LRPError):
    """The rules cannot reach a part of this model, so its relevance would not be conservative."""


class UnsupportedDtypeError(LRPError):
    """A dtype that attribution refuses (float16 overflows in the backward pass)."""


class TargetError(LRPError):
    """A target class, label or next token that the model does not have."""
