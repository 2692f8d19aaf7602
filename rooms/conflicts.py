"""No edit silently lost: optimistic concurrency for what people edit side by side.

A task, a milestone, a room's details and a stakeholder each carry a version that their update
service moves on by one. An editor sends the version they loaded (a hidden field in the
browser's form, ``If-Match`` in the API); when the row has moved on since, someone else saved in
between: the service raises ``EditConflict`` and writes nothing. An update that names no
version keeps the last save winning, as before.

A room's details have a version of their own (``Room.details_version``): the room's
``content_version`` moves with every tick and comment in the room (rooms.versioning), and the
details form would then refuse saves that overwrite nothing.
"""

from django import forms
from django.db import models


class EditConflict(Exception):
    """Someone saved the object after the editor loaded it; nothing was written."""

    def __init__(self, current_version: int) -> None:
        super().__init__("Someone else saved this after you opened it.")
        self.current_version = current_version


def version_claim(obj: models.Model, expected: int | None, field: str = "version") -> None:
    """Lock the object's row, check the version the editor loaded (None: no check) and move it
    on by one on ``obj``, for the caller's save. Inside the caller's transaction: a second
    editor waits for the first one's commit, then sees the version it wrote.

    FOR NO KEY UPDATE, as every row lock of a room's rows here: it excludes the other editors
    but not a foreign key's check of a row that points at it (a comment on the task, checked
    at commit), which FOR UPDATE would block. The load test found that deadlock: a tick held
    its task FOR UPDATE and waited for the room, while a comment on that task held the room
    and, committing, waited to check its task."""
    rows = type(obj)._default_manager.select_for_update(no_key=True).filter(pk=obj.pk)
    current: int = rows.values_list(field, flat=True).get()
    if expected is not None and expected != current:
        raise EditConflict(current)
    setattr(obj, field, current + 1)


def version_field_add(form: forms.BaseForm, version: int) -> None:
    """The version an edit form was opened with, posted back with it (a hidden field)."""
    form.fields["version"] = forms.IntegerField(
        required=False, min_value=0, widget=forms.HiddenInput
    )
    form.initial.setdefault("version", version)
