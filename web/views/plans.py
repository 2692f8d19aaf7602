from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activity.kinds import EventKind
from activity.recording import view_record
from analytics.selectors import activity_feed
from plans.downloads import export_response
from plans.exports import Kind
from plans.forms import CommentForm, MilestoneForm, MoveForm, TaskForm
from plans.models import Milestone, Task
from plans.selectors import comment_counts, mark_overdue, milestone_progress
from plans.services import (
    comment_create,
    milestone_create,
    milestone_delete,
    milestone_move,
    milestone_update,
    task_create,
    task_delete,
    task_move,
    task_set_done,
    task_take,
    task_update,
)
from rooms.access import RoomAccess
from rooms.conflicts import EditConflict
from web.conflicts import conflict_form, form_conflict
from web.fragments import personalise
from web.http import AuthedRequest
from web.organisation import room_access, room_access_for_seller
from web.room_page import form_invalid, plan_updated, room_url, your_tasks_html

# The plan as a spreadsheet ------------------------------------------------------------------


@require_GET
def plan_export_view(request: AuthedRequest, room_id: UUID, kind: Kind) -> HttpResponse:
    """A room's plan (or a template's) as CSV or XLSX, as this person sees it."""
    return export_response(room_access(request, room_id), kind)


# Milestones ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def milestone_add(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    form = MilestoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            milestone = milestone_create(by=access, **form.cleaned_data)
            anchor = f"milestone-{milestone.public_id}"
            saved = f"Added the milestone “{milestone.title}”."
            return plan_updated(request, access, anchor, saved=saved)
        return form_invalid(request, "plans/milestone_form.html", {"form": form, "access": access})
    return render(request, "plans/milestone_form.html", {"form": form, "access": access})


@require_http_methods(["GET", "POST"])
def milestone_edit(request: AuthedRequest, room_id: UUID, milestone_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    milestone = access.get_milestone(milestone_id)
    form = MilestoneForm(request.POST if request.method == "POST" else None, instance=milestone)
    context = {"form": form, "access": access, "milestone": milestone}
    if request.method == "POST":
        if form.is_valid():
            changes = dict(form.cleaned_data)
            expected = changes.pop("version")
            try:
                milestone_update(
                    milestone=milestone, by=access, expected_version=expected, **changes
                )
            except EditConflict as conflict:
                saved = access.get_milestone(milestone_id)
                form = conflict_form(
                    MilestoneForm(request.POST, instance=saved),
                    MilestoneForm(instance=saved),
                    conflict.current_version,
                )
                context |= {"form": form, "milestone": saved}
                return form_conflict(request, "plans/milestone_form.html", context)
            anchor = f"milestone-{milestone.public_id}"
            said = f"Saved the milestone “{milestone.title}”."
            return plan_updated(request, access, anchor, saved=said)
        return form_invalid(request, "plans/milestone_form.html", context)
    name = "plans/milestone_form.html#form" if request.htmx else "plans/milestone_form.html"
    return render(request, name, context)


@require_POST
def milestone_delete_view(
    request: AuthedRequest, room_id: UUID, milestone_id: UUID
) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    milestone_delete(milestone=access.get_milestone(milestone_id), by=access)
    return plan_updated(request, access)


@require_POST
def milestone_move_view(request: AuthedRequest, room_id: UUID, milestone_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    milestone = access.get_milestone(milestone_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        milestone_move(milestone=milestone, direction=form.cleaned_data["direction"], by=access)
    return plan_updated(request, access, f"milestone-{milestone.public_id}")


# Tasks --------------------------------------------------------------------------------------


def _task_form(access: RoomAccess, data=None, instance: Task | None = None) -> TaskForm:
    milestones = Milestone.objects.filter(room=access.room) if instance else None
    return TaskForm(
        data,
        instance=instance,
        stakeholders=list(access.room.stakeholders.all()),
        milestones=milestones,
        for_buyer=not access.is_seller,
    )


@require_http_methods(["GET", "POST"])
def task_add(request: AuthedRequest, room_id: UUID, milestone_id: UUID) -> HttpResponse:
    """Sellers add any task; buyers add tasks for their own side (plans.services says so)."""
    access = room_access(request, room_id, template=None)
    milestone = access.get_milestone(milestone_id)
    form = _task_form(access, request.POST if request.method == "POST" else None)
    context = {"form": form, "access": access, "milestone": milestone}
    if request.method == "POST":
        if form.is_valid():
            try:
                task = task_create(milestone=milestone, by=access, **form.task_fields())
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                saved = f"Added the task “{task.title}”."
                return plan_updated(request, access, f"task-{task.public_id}", saved=saved)
        return form_invalid(request, "plans/task_form.html", context)
    return render(request, "plans/task_form.html", context)


@require_GET
def task_detail(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    access = room_access(request, room_id)
    task = access.get_task(task_id)
    if not access.room.is_template:
        summary = f"opened the task “{task.title}”"
        target = f"task:{task.public_id}"
        view_record(
            access.who, EventKind.TASK_VIEWED, summary, target=target, is_internal=task.is_internal
        )
    comments = access.comments().filter(task=task).select_related("author")
    context = {
        "access": access,
        "room": access.room,
        "task": task,
        "can_edit": access.can_edit_task(task),
        "comments": comments,
        "comment_form": CommentForm(),
    }
    return render(request, "plans/task_detail.html", context)


@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    access = room_access(request, room_id)
    task = access.get_task(task_id)
    access.require_task_editor(task)  # before the form is shown; task_update checks it again
    form = _task_form(access, request.POST if request.method == "POST" else None, instance=task)
    context = {"form": form, "access": access, "task": task, "milestone": task.milestone}
    if request.method == "POST":
        if form.is_valid():
            expected = form.cleaned_data["version"]
            try:
                task_update(task=task, by=access, expected_version=expected, **form.task_fields())
            except ValidationError as exc:
                form.add_service_error(exc)
            except EditConflict as conflict:
                saved = access.get_task(task_id)
                form = conflict_form(
                    _task_form(access, request.POST, instance=saved),
                    _task_form(access, instance=saved),
                    conflict.current_version,
                )
                context |= {"form": form, "task": saved, "milestone": saved.milestone}
                return form_conflict(request, "plans/task_form.html", context)
            else:
                # A plain post comes from the task's own edit page: back to the task.
                return plan_updated(
                    request,
                    access,
                    f"task-{task.public_id}",
                    saved=f"Saved the task “{task.title}”.",
                    next_url=f"{access.base_url}tasks/{task.public_id}/",
                )
        return form_invalid(request, "plans/task_form.html", context)
    name = "plans/task_form.html#form" if request.htmx else "plans/task_form.html"
    return render(request, name, context)


@require_POST
def task_toggle(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    """Tick or untick; HTMX gets the row with the two progress bars out of band."""
    access = room_access(request, room_id, template=False)
    task = access.get_task(task_id)
    task_set_done(task=task, done=not task.is_done, by=access)
    if not request.htmx:
        return redirect(room_url(access, f"task-{task.public_id}"))
    # The row answers where it was ticked (the plan, or the buyer's own list above it, whose
    # tick targets the same row); the progress bars, the buyer's list and the seller's feed
    # follow out of band.
    milestone_progress_, plan_progress = milestone_progress(access, task.milestone)
    task.comment_count = comment_counts(access, task).get(task.pk, 0)
    context = {
        "access": access,
        "task": mark_overdue(task, timezone.localdate()),
        "milestone": task.milestone,
        "milestone_progress": milestone_progress_,
        "plan_progress": plan_progress,
        "activity": activity_feed(access),
    }
    html = render_to_string("plans/task_toggled.html", context, request)
    return HttpResponse(personalise(request, html + your_tasks_html(access, oob=True)))


@require_POST
def task_take_view(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    """A buyer takes an unassigned task of their side ("Take it" under Your tasks)."""
    access = room_access(request, room_id, template=False)
    task = access.get_task(task_id)
    try:
        task = task_take(task=task, by=access)
    except ValidationError as exc:
        # Someone was quicker: the fresh list shows who has it now, and says so.
        error = " ".join(exc.messages)
        return plan_updated(request, access, "your-tasks", error=error, in_your_tasks=True)
    saved = f"“{task.title}” is yours now."
    return plan_updated(request, access, "your-tasks", saved=saved, in_your_tasks=True)


@require_POST
def task_delete_view(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    task_delete(task=access.get_task(task_id), by=access)
    return plan_updated(request, access)


@require_POST
def task_move_view(request: AuthedRequest, room_id: UUID, task_id: UUID) -> HttpResponse:
    access = room_access_for_seller(request, room_id)
    task = access.get_task(task_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        task_move(task=task, direction=form.cleaned_data["direction"], by=access)
    return plan_updated(request, access, f"task-{task.public_id}")


# Comments -----------------------------------------------------------------------------------


@require_POST
def comment_add(request: AuthedRequest, room_id: UUID, task_id: UUID | None = None) -> HttpResponse:
    access = room_access(request, room_id)
    task = access.get_task(task_id) if task_id else None
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_create(by=access, task=task, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
    if form.is_valid():
        if task:
            return redirect("task_detail", room_id=access.room.public_id, task_id=task.public_id)
        return redirect(room_url(access, "discussion"))
    context = {"form": form, "access": access, "task": task}
    return render(request, "plans/comment_form.html", context, status=422)
