"""Moving a row up or down among its siblings (milestones, tasks, stakeholders, resources)."""

from typing import Any

from django.db import models

from rooms.versioning import room_touch


def move(obj: Any, siblings: models.QuerySet, direction: str) -> bool:
    """Swap ``obj`` with its neighbour in ``direction`` ("up" or "down"); False at either end.

    Positions are renumbered 0..n first, so rows that share a position (created together, or
    left by a deletion) still move one step at a time. The room page shows the order, so a move
    moves the room's content version too (rooms.versioning), in the caller's transaction.
    """
    ordered = list(siblings.select_for_update(no_key=True).order_by("position", "pk"))
    index = next(i for i, row in enumerate(ordered) if row.pk == obj.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    changed = []
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            changed.append(row)
    siblings.model._default_manager.bulk_update(changed, ["position"])
    obj.position = target
    room_touch(obj.room_id)
    return True


def next_position(siblings: models.QuerySet) -> int:
    last = siblings.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1
