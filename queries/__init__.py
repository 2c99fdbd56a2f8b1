"""The shipped SQL files (package data): read with ``importlib.resources``, so an installed wheel has them."""

from importlib import resources
from pathlib import Path

FOLDER = Path(str(resources.files(__name__)))
