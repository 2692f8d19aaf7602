"""Writes to milestones, tasks and comments. One transaction each, each records its event."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from plans.models import Comment, Milestone, Status, Task
from rooms.events import event_record
from rooms.models import Room
from rooms.ordering import move, next_position
from rooms.versioning import room_touch
from stakeholders.models import Stakeholder


def _check_owner(room: Room, owner: Stakeholder | None) -> None:
    if owner is not None and owner.room_id != room.pk:
        raise ValidationError({"owner": "Choose someone in this room."})


@transaction.atomic
def milestone_create(
    *, room: Room, actor: User, title: str, description: str = "", target_date: date | None = None
) -> Milestone:
    milestone = Milestone.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        title=title.strip(),
        description=description.strip(),
        target_date=target_date,
        position=next_position(room.milestones.all()),
    )
    event_record(
        room=room, actor=actor, kind="milestone.created", summary=f"added the milestone “{title}”"
    )
    return milestone


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    actor: User,
    title: str,
    description: str = "",
    target_date: date | None = None,
) -> Milestone:
    milestone.title = title.strip()
    milestone.description = description.strip()
    milestone.target_date = target_date
    milestone.save(update_fields=["title", "description", "target_date"])
    event_record(
        room=milestone.room,
        actor=actor,
        kind="milestone.updated",
        summary=f"updated the milestone “{milestone.title}”",
    )
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: User) -> None:
    room, title = milestone.room, milestone.title
    milestone.delete()  # its tasks and their comments go with it
    event_record(
        room=room, actor=actor, kind="milestone.deleted", summary=f"deleted the milestone “{title}”"
    )


@transaction.atomic
def milestone_move(*, milestone: Milestone, direction: str, actor: User) -> bool:
    """Not worth an event, but the page shows the new order (rooms.versioning)."""
    moved = move(milestone, milestone.room.milestones.all(), direction)
    if moved:
        room_touch(milestone.room_id)
    return moved


@transaction.atomic
def task_create(
    *,
    milestone: Milestone,
    actor: User,
    title: str,
    description: str = "",
    owner: Stakeholder | None = None,
    side: str | None = None,
    due_date: date | None = None,
    is_internal: bool = False,
) -> Task:
    room = milestone.room
    _check_owner(room, owner)
    task = Task.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        milestone=milestone,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        side=owner.side if owner else (side or "seller"),
        due_date=due_date,
        is_internal=is_internal,
        position=next_position(milestone.tasks.all()),
    )
    event_record(
        room=room,
        actor=actor,
        kind="task.created",
        summary=f"added the task “{task.title}”",
        is_internal=is_internal,
    )
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    actor: User,
    title: str,
    description: str,
    owner: Stakeholder | None,
    due_date: date | None,
    status: str,
    is_internal: bool,
    milestone: Milestone | None = None,
    side: str | None = None,
) -> Task:
    room = task.room
    _check_owner(room, owner)
    if milestone is not None and milestone.room_id != room.pk:
        raise ValidationError({"milestone": "Choose a milestone of this room."})
    if milestone is not None and milestone.pk != task.milestone_id:
        task.milestone = milestone
        task.position = next_position(milestone.tasks.all())
    task.title = title.strip()
    task.description = description.strip()
    task.owner = owner
    task.side = owner.side if owner is not None else (side or task.side)
    task.due_date = due_date
    task.is_internal = is_internal
    _set_status(task, status, actor)
    task.save()
    event_record(
        room=room,
        actor=actor,
        kind="task.updated",
        summary=f"updated the task “{task.title}”",
        is_internal=is_internal,
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
def task_set_done(*, task: Task, done: bool, actor: User) -> Task:
    """Tick or untick. Unticking goes back to "to do"."""
    if task.room.is_template:
        raise ValidationError("A template's tasks are not done or undone: use it for a room.")
    if done == task.is_done:
        return task
    _set_status(task, Status.DONE if done else Status.TODO, actor)
    task.save(update_fields=["status", "completed_at", "completed_by", "updated_at"])
    verb = "completed" if done else "reopened"
    event_record(
        room=task.room,
        actor=actor,
        kind="task.completed" if done else "task.reopened",
        summary=f"{verb} “{task.title}”",
        is_internal=task.is_internal,
    )
    return task


@transaction.atomic
def task_delete(*, task: Task, actor: User) -> None:
    room, title, internal = task.room, task.title, task.is_internal
    task.delete()
    event_record(
        room=room,
        actor=actor,
        kind="task.deleted",
        summary=f"deleted the task “{title}”",
        is_internal=internal,
    )


@transaction.atomic
def task_move(*, task: Task, direction: str, actor: User) -> bool:
    """Not worth an event, but the page shows the new order (rooms.versioning)."""
    moved = move(task, task.milestone.tasks.all(), direction)
    if moved:
        room_touch(task.room_id)
    return moved


@transaction.atomic
def comment_create(
    *, room: Room, actor: User, body: str, task: Task | None = None, is_internal: bool = False
) -> Comment:
    if room.is_template:
        raise ValidationError("A template has no discussion: comment in a room made from it.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if task is not None and task.room_id != room.pk:
        raise ValidationError("That task is not in this room.")
    # A comment on an internal task is internal whatever the box said.
    is_internal = is_internal or bool(task and task.is_internal)
    comment = Comment.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        task=task,
        author=actor,
        body=body,
        is_internal=is_internal,
    )
    where = f"on “{task.title}”" if task else "in the discussion"
    # Whoever was @mentioned hears of it from notifications, which subscribes to this event.
    event_record(
        room=room,
        actor=actor,
        kind="comment.created",
        summary=f"commented {where}",
        is_internal=is_internal,
        comment=str(comment.public_id),
    )
    return comment
