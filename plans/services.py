"""Writes to milestones, tasks and comments. One transaction each, each records its event.

Every service takes ``by``, the acting person's access to the room (rooms.access), and holds
the rules of who may do and set what: the seller's team changes anything; a buyer adds, changes,
ticks and reopens tasks on the buyer's side, gives them to people on that side only, and marks
nothing internal. The pages and the API pass on what was sent and show what is refused: the
same rule, the same answer (403 for what the person may not do, 400/422 for a bad value).
"""

from datetime import date
from typing import TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Side, User
from activity.kinds import EventKind
from plans.models import Comment, Milestone, Status, Task
from rooms.access import RoomAccess
from rooms.conflicts import version_claim
from rooms.events import event_record_by
from rooms.ordering import move, next_position
from stakeholders.models import Stakeholder


class MilestoneChanges(TypedDict, total=False):
    title: str
    description: str
    target_date: date | None


class TaskChanges(TypedDict, total=False):
    title: str
    description: str
    owner: Stakeholder | None
    side: str
    due_date: date | None
    status: str
    is_internal: bool
    milestone: Milestone


def _owner_side(by: RoomAccess, owner: Stakeholder | None, side: str) -> str:
    """The side a task is on: its owner's, or ``side`` while it has none. A buyer gives work to
    their own side only."""
    if owner is not None and owner.room_id != by.room.pk:
        raise ValidationError({"owner": "Choose someone in this room."})
    side = owner.side if owner is not None else side
    if side not in Side.values:
        raise ValidationError({"side": f"“{side}” is not a side."})
    if not by.is_seller and side != Side.BUYER:
        raise ValidationError(
            {"owner": "Choose someone on your side: the seller's team plans its own work."}
        )
    return side


@transaction.atomic
def milestone_create(
    *, by: RoomAccess, title: str, description: str = "", target_date: date | None = None
) -> Milestone:
    by.require_seller()
    room = by.room
    milestone = Milestone.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        title=title.strip(),
        description=description.strip(),
        target_date=target_date,
        position=next_position(room.milestones.all()),
    )
    event_record_by(by, EventKind.MILESTONE_CREATED, f"added the milestone “{title}”")
    return milestone


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    by: RoomAccess,
    expected_version: int | None = None,
    **changes: Unpack[MilestoneChanges],
) -> Milestone:
    """Changes what is given and leaves the rest; refuses an edit of an older version than the
    milestone's (rooms.conflicts)."""
    by.require_seller()
    by.check_in_room(milestone.room_id)
    version_claim(milestone, expected_version)
    if "title" in changes:
        milestone.title = changes["title"].strip()
    if "description" in changes:
        milestone.description = changes["description"].strip()
    if "target_date" in changes:
        milestone.target_date = changes["target_date"]
    milestone.save(update_fields=["title", "description", "target_date", "version"])
    event_record_by(by, EventKind.MILESTONE_UPDATED, f"updated the milestone “{milestone.title}”")
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: RoomAccess) -> None:
    by.require_seller()
    by.check_in_room(milestone.room_id)
    title = milestone.title
    milestone.delete()  # its tasks and their comments go with it
    event_record_by(by, EventKind.MILESTONE_DELETED, f"deleted the milestone “{title}”")


@transaction.atomic
def milestone_move(*, milestone: Milestone, direction: str, by: RoomAccess) -> bool:
    """Not worth an event; the page shows the new order (rooms.ordering.move says so)."""
    by.require_seller()
    by.check_in_room(milestone.room_id)
    return move(milestone, by.room.milestones.all(), direction)


@transaction.atomic
def task_create(
    *,
    milestone: Milestone,
    by: RoomAccess,
    title: str,
    description: str = "",
    owner: Stakeholder | None = None,
    side: str | None = None,
    due_date: date | None = None,
    is_internal: bool = False,
) -> Task:
    """A new task, to do. Without owner or side it is on the side of whoever adds it."""
    by.check_in_room(milestone.room_id)
    by.require_internal_allowed(is_internal)
    room = by.room
    task = Task.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        milestone=milestone,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        side=_owner_side(by, owner, side or by.audience),
        due_date=due_date,
        is_internal=is_internal,
        position=next_position(milestone.tasks.all()),
    )
    event_record_by(by, EventKind.TASK_CREATED, f"added the task “{task.title}”", is_internal)
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    by: RoomAccess,
    expected_version: int | None = None,
    **changes: Unpack[TaskChanges],
) -> Task:
    """Changes what is given and leaves the rest. An owner brings their side; a side given
    without an owner leaves the task unassigned on it; an owner taken away leaves the task on
    the side it was on. An edit of an older version than the task's is refused
    (rooms.conflicts)."""
    by.check_in_room(task.room_id)
    by.require_task_editor(task)
    version_claim(task, expected_version)
    if "is_internal" in changes:
        by.require_internal_allowed(changes["is_internal"])
        task.is_internal = changes["is_internal"]
    if "owner" in changes or "side" in changes:
        owner = changes.get("owner")
        task.side = _owner_side(by, owner, changes.get("side") or task.side)
        task.owner = owner
    milestone = changes.get("milestone")
    if milestone is not None and milestone.room_id != by.room.pk:
        raise ValidationError({"milestone": "Choose a milestone of this room."})
    # Its place among its siblings is the reordering's (which moves no version), unless it
    # changes milestone: written only then, so that a move made meanwhile is not undone. The
    # stored milestone, not the instance's: a browser's form has already set that one.
    placed = []
    stored = Task.objects.values_list("milestone_id", flat=True).get(pk=task.pk)
    if milestone is not None and milestone.pk != stored:
        task.milestone = milestone
        task.position = next_position(milestone.tasks.all())
        placed = ["milestone", "position"]
    if "title" in changes:
        task.title = changes["title"].strip()
    if "description" in changes:
        task.description = changes["description"].strip()
    due_date_changed = "due_date" in changes and changes["due_date"] != task.due_date
    if "due_date" in changes:
        task.due_date = changes["due_date"]
    if "status" in changes:
        _set_status(task, changes["status"], by.user)
    edited = ["is_internal", "side", "owner", "title", "description", "due_date", "status"]
    done = ["completed_at", "completed_by"]
    task.save(update_fields=[*edited, *done, *placed, "version", "updated_at"])
    event_record_by(
        by,
        EventKind.TASK_UPDATED,
        f"updated the task “{task.title}”",
        task.is_internal,
        task=str(task.public_id),
        due_date_changed=due_date_changed,
    )
    return task


def _set_status(task: Task, status: str, actor: User) -> None:
    if status not in Status.values:
        raise ValidationError({"status": f"“{status}” is not a status."})
    if status == Status.DONE and task.status != Status.DONE:
        task.completed_at = timezone.now()
        task.completed_by = actor
    elif status != Status.DONE:
        task.completed_at = None
        task.completed_by = None
    task.status = status


@transaction.atomic
def task_set_done(*, task: Task, done: bool, by: RoomAccess) -> Task:
    """Tick or untick. Unticking goes back to "to do"."""
    by.check_in_room(task.room_id)
    by.require_task_editor(task)
    if by.room.is_template:
        raise ValidationError("A template's tasks are not done or undone: use it for a room.")
    # Lock the row and read the status as committed: two people ticking one task at once are
    # served in turn, and the second finds it done already (one completion, one event).
    version_claim(task, None)  # the edit form shows the status: a form opened before is stale
    stored = Task.objects.values_list("status", "completed_at", "completed_by").get(pk=task.pk)
    task.status, task.completed_at, task.completed_by_id = stored
    if done == task.is_done:
        task.version -= 1  # nothing changes, so nothing moves on
        return task
    _set_status(task, Status.DONE if done else Status.TODO, by.user)
    task.save(update_fields=["status", "completed_at", "completed_by", "updated_at", "version"])
    verb = "completed" if done else "reopened"
    kind = EventKind.TASK_COMPLETED if done else EventKind.TASK_REOPENED
    event_record_by(by, kind, f"{verb} “{task.title}”", task.is_internal, task=str(task.public_id))
    return task


@transaction.atomic
def task_take(*, task: Task, by: RoomAccess) -> Task:
    """A buyer takes an open task of their side that nobody has yet: it is theirs from now on.
    Two buyers taking it at once are served in turn; the second is told who has it."""
    by.check_in_room(task.room_id)
    if by.buyer is None:
        raise PermissionDenied("Sellers give tasks to people in the task's edit form.")
    by.require_task_editor(task)
    version_claim(task, None)  # locks the row, so the checks below read what is committed
    stored = Task.objects.select_related("owner").get(pk=task.pk)
    if stored.owner_id == by.buyer.pk:
        return stored
    if stored.owner is not None:
        raise ValidationError(f"{stored.owner.name} has already taken “{stored.title}”.")
    if stored.side != Side.BUYER:
        raise ValidationError("Only tasks on your side can be taken.")
    if stored.status == Status.DONE:
        raise ValidationError(f"“{stored.title}” is done already.")
    task.owner = by.buyer
    task.side = Side.BUYER
    task.save(update_fields=["owner", "side", "version", "updated_at"])
    event_record_by(by, EventKind.TASK_UPDATED, f"took the task “{task.title}”")
    return task


@transaction.atomic
def task_delete(*, task: Task, by: RoomAccess) -> None:
    by.require_seller()
    by.check_in_room(task.room_id)
    title, internal = task.title, task.is_internal
    task.delete()
    event_record_by(by, EventKind.TASK_DELETED, f"deleted the task “{title}”", internal)


@transaction.atomic
def task_move(*, task: Task, direction: str, by: RoomAccess) -> bool:
    """Not worth an event; the page shows the new order (rooms.ordering.move says so)."""
    by.require_seller()
    by.check_in_room(task.room_id)
    return move(task, task.milestone.tasks.all(), direction)


@transaction.atomic
def comment_create(
    *, by: RoomAccess, body: str, task: Task | None = None, is_internal: bool = False
) -> Comment:
    """A comment in the discussion or on a task. An internal note is the seller's team's: a
    buyer's is refused (403), never quietly made public."""
    room = by.room
    by.require_internal_allowed(is_internal)
    if room.is_template:
        raise ValidationError("A template has no discussion: comment in a room made from it.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if task is not None and task.room_id != room.pk:
        raise ValidationError("That task is not in this room.")
    # A comment on an internal task is internal whatever the box said.
    is_internal = is_internal or bool(task and task.is_internal)
    by.require_internal_allowed(is_internal)
    comment = Comment.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        task=task,
        author=by.user,
        body=body,
        is_internal=is_internal,
    )
    where = f"on “{task.title}”" if task else "in the discussion"
    # Whoever was @mentioned hears of it from notifications, which subscribes to this event.
    event_record_by(
        by,
        EventKind.COMMENT_CREATED,
        f"commented {where}",
        is_internal,
        comment=str(comment.public_id),
    )
    return comment
