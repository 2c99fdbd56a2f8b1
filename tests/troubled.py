"""A tiny BERT with code of its own (``trust_remote_code``) that kills its process on one word and
waits on another, for the pool's tests: a row that really kills the worker (SIGKILL, as the kernel's
out-of-memory killer sends, not an exception raised in Python), and a scan held still while the
test adds and removes nodes under it.

``POISON`` in a text: the process explaining it is killed. ``HOLD`` in a text: the forward pass waits
while the model's gate file exists (the test deletes it to let the scan go on), and says so with a
file named for its Ray node in ``<gate>.held/``. Every other text is the plain BERT's.
"""

from __future__ import annotations

import json
from pathlib import Path

import tiny

POISON, HOLD = "poison", "wait"

MODELING = '''
import os
import signal
import time

from transformers import BertForSequenceClassification


class TroubledBert(BertForSequenceClassification):
    def forward(self, input_ids=None, **kwargs):
        if input_ids is not None and (input_ids == self.config.poison_id).any():
            os.kill(os.getpid(), signal.SIGKILL)
        if input_ids is not None and (input_ids == self.config.hold_id).any() and os.path.exists(self.config.gate):
            self._say_held()
            while os.path.exists(self.config.gate):
                time.sleep(0.05)
        return super().forward(input_ids=input_ids, **kwargs)

    def _say_held(self):
        import ray

        os.makedirs(self.config.gate + ".held", exist_ok=True)
        open(os.path.join(self.config.gate + ".held", ray.get_runtime_context().get_node_id()), "w").close()
'''


def save(folder: Path, gate: Path | None = None) -> Path:
    """The model folder: tiny BERT weights, the MiniLM tokenizer, and the code above as its class."""
    tokenizer = tiny.tokenizer()
    tiny.model("bert").save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "modeling_troubled.py").write_text(MODELING)
    config = json.loads((folder / "config.json").read_text())
    [poison_id], [hold_id] = (tokenizer(word, add_special_tokens=False)["input_ids"] for word in (POISON, HOLD))
    config |= {
        "architectures": ["TroubledBert"],
        "auto_map": {"AutoModelForSequenceClassification": "modeling_troubled.TroubledBert"},
        "poison_id": poison_id,
        "hold_id": hold_id,
        "gate": str(gate or folder / "gate"),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder
