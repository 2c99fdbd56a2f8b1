"""Jobs users run: the ``lrp-audit`` command line (and, with the scan issue, the Ray pipeline)."""
