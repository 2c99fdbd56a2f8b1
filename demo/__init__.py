"""The embedded default: a templated candidate-profile dataset with a planted gender leak, and
all-MiniLM-L6-v2 fine-tuned on it once and cached, so that one command runs a real audit."""

from .finetune import demo_model
from .profiles import DATA_DIR, LABELS, LANGUAGES, data_dir

__all__ = ["DATA_DIR", "LABELS", "LANGUAGES", "data_dir", "demo_model"]
