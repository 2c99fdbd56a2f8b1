"""The example scan configs (package data), so an installed ``lrp-audit demo`` finds its own."""

from importlib import resources
from pathlib import Path

FOLDER = Path(str(resources.files(__name__)))
