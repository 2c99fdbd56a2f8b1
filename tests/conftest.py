import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny  # noqa: E402
# The headless browser's fixtures, here so that the whole session shares one browser (Playwright's
# synchronous API runs one event loop per process: a second module's own browser could not start).
from browser import browser_fixture, chromium_fixture, page_fixture, problems_fixture  # noqa: E402, F401

TEXTS = ["She is a brilliant engineer and he said yes.", "ok then", "The nurse checked the results twice."]


def assert_same_tables(run_a: Path, run_b: Path) -> None:
    """Two runs' tables hold the same rows, exactly (read with their schemas, sorted by their keys)."""
    from lrp_audit.run_folder import KEYS, SCHEMAS

    for table in SCHEMAS:
        keys = [(key, "ascending") for key in KEYS[table]]
        a = pq.read_table(run_a / table, schema=SCHEMAS[table]).sort_by(keys)
        b = pq.read_table(run_b / table, schema=SCHEMAS[table]).sort_by(keys)
        assert a.equals(b), table


@pytest.fixture(scope="session")
def tokenizer():
    return tiny.tokenizer()


@pytest.fixture
def texts():
    return list(TEXTS)


@pytest.fixture(scope="session")
def runtime():
    """One runtime for the whole session, as one command has one: one local Ray (started by the first
    scan), and one pool of model workers per model and attribution setting, which later scans of the
    same model reuse (a worker loads its model once). Signals stay with pytest."""
    from lrp_audit.pipelines.runtime import Runtime

    with Runtime(signals=False) as shared:
        yield shared


@pytest.fixture(autouse=True)
def commands_share_the_session_runtime(runtime, monkeypatch):
    """A command run in-process (CliRunner) uses the session's runtime, with the command's console,
    as a command's steps share one: a model's pool is started once for the session, not once per
    invocation. The command's own runtime (its signals, its exit codes) is tested in subprocesses."""
    from contextlib import contextmanager

    from lrp_audit import cli

    @contextmanager
    def shared():
        console, runtime.console = runtime.console, cli.stderr
        try:
            yield runtime
        finally:
            runtime.console = console

    monkeypatch.setattr(cli, "command_runtime", shared)


@pytest.fixture
def own_ray(runtime):
    """For a test that starts a Ray of its own layout (GPUs, several nodes): the session's is stopped
    first, and started again by the next scan that needs it."""
    runtime.close()
    yield


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


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory) -> Path:
    """The demo's model cache ($LRP_AUDIT_CACHE) in a folder of the session's, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("demo-cache")
        patch.setenv("LRP_AUDIT_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def small_demo_model(demo_cache, model_dir) -> Path:
    """The reduced demo's model: the tiny BERT fine-tuned on the profiles (test_demo.SMALL), once."""
    import lrp_audit.demo as demo
    from test_demo import SMALL

    return demo.demo_model(base=model_dir, recipe=SMALL)
