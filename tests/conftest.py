import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny  # noqa: E402

TEXTS = ["She is a brilliant engineer and he said yes.", "ok then", "The nurse checked the results twice."]


@pytest.fixture(scope="session")
def tokenizer():
    return tiny.tokenizer()


@pytest.fixture
def texts():
    return list(TEXTS)


@pytest.fixture(scope="module")
def ray_local():
    """A small local Ray for one test module: two CPUs, no dashboard, a 200 MB object store."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 1024**2)
    yield
    ray.shutdown()


@pytest.fixture(scope="session")
def leak_model(tmp_path_factory) -> Path:
    """The tiny BERT trained on sentences whose label is the subject's gender (tests/leak.py), trained
    once for every module that scans it."""
    import leak

    return leak.train(*leak.sentences(800, leak=True, seed=1), tmp_path_factory.mktemp("leak-model"))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> str:
    """A tiny random BERT with the MiniLM tokenizer, saved as a model folder (from_pretrained loads it)."""
    folder = tmp_path_factory.mktemp("tiny-bert")
    tiny.model("bert").save_pretrained(folder)
    tiny.tokenizer().save_pretrained(folder)
    return str(folder)
