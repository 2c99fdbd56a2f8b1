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
