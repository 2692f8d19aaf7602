"""A stylesheet with one brace too few loses every rule after it without an error anywhere
(a merge once dropped one, and the dashboard's phone layout and the long-word rules with it)."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "static"
SHEETS = sorted(p for p in STATIC.rglob("*.css") if "vendor" not in p.parts)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: str(p.relative_to(STATIC)))
def test_every_block_of_our_stylesheets_is_closed(sheet):
    text = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)
    text = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", "", text)  # braces inside strings do not count
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^[.#a-zA-Z@:\[*]", line):
            assert depth == 0, f"{sheet.name}:{number} starts a rule inside an unclosed block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet.name}:{number} closes a block that was never opened"
    assert depth == 0, f"{sheet.name} ends with {depth} block(s) unclosed"
