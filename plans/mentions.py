"""@mentions in comments: who is named, by the names the room's people have."""

import re

from stakeholders.models import Stakeholder


def find_mentions(body: str, people: list[Stakeholder]) -> list[Stakeholder]:
    """The people named as ``@Full Name`` (any case), longest names first so that
    "@Ann Lee" is not also read as "@Ann"."""
    found: list[Stakeholder] = []
    taken: list[tuple[int, int]] = []
    for person in sorted(people, key=lambda p: len(p.name), reverse=True):
        if not person.name.strip():
            continue
        pattern = re.compile(rf"@{re.escape(person.name.strip())}(?!\w)", re.IGNORECASE)
        for match in pattern.finditer(body):
            span = match.span()
            if not any(start < span[1] and span[0] < end for start, end in taken):
                taken.append(span)
                found.append(person)
                break
    return found
