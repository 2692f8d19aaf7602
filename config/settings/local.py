"""A laptop: DEBUG on unless told otherwise, SQLite and in-process tasks by default."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403
