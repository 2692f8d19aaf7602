"""Production settings plus one extra URL: the framework's floor, for the benchmark only."""

from config.settings.production import *  # noqa: F403
from config.settings.production import TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"].append(__import__("pathlib").Path(__file__).parent / "templates")
