"""``python -m lrp_audit`` is the ``lrp-audit`` command."""

from .cli import app

app(prog_name="lrp-audit")
