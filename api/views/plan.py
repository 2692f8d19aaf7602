"""A room's plan: milestones, tasks, comments."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import CommentFilter, TaskFilter
from api.serializers import (
    CommentSerializer,
    CommentWriteSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
    MoveWriteSerializer,
    TaskSerializer,
    TaskWriteSerializer,
    TickWriteSerializer,
)
from api.views.base import IF_MATCH, RoomViewSet
from plans.downloads import CONTENT_TYPES, export_response
from plans.models import Comment, Milestone, Task
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
    task_update,
)
from rooms.conflicts import EditConflict


class MilestonesViewSet(RoomViewSet):
    """The plan's milestones, in order. Sellers add, change, reorder and delete them, in a room
    or in an organisation template (its id in place of the room's)."""

    serializer_class = MilestoneSerializer
    templates_too = True

    def get_queryset(self) -> QuerySet[Milestone]:
        if self.schema_only:
            return Milestone.objects.none()
        return Milestone.objects.filter(room=self.access.room).order_by("position", "pk")

    @extend_schema(summary="A room's milestones")
    def list(self, request: Request, room_id: UUID) -> Response:
        return self.list_response()

    @extend_schema(summary="A milestone")
    def retrieve(self, request: Request, room_id: UUID, milestone_id: UUID) -> Response:
        milestone = self.access.get_milestone(milestone_id)
        return self.versioned(self.get_serializer(milestone).data, milestone.version)

    @extend_schema(
        summary="Add a milestone (sellers)",
        request=MilestoneWriteSerializer,
        responses={201: MilestoneSerializer},
    )
    def create(self, request: Request, room_id: UUID) -> Response:
        self.access.require_seller()  # 403 before a 400 about the body, as in the browser
        milestone = milestone_create(by=self.access, **self.input(MilestoneWriteSerializer))
        return Response(self.get_serializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a milestone (sellers)",
        request=MilestoneWriteSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, room_id: UUID, milestone_id: UUID) -> Response:
        self.access.require_seller()  # 403 before 404, as in the browser
        milestone = self.access.get_milestone(milestone_id)
        changes = self.input(MilestoneWriteSerializer, partial=True)
        expected = self.expected_version(milestone.version)
        try:
            milestone_update(
                milestone=milestone, by=self.access, expected_version=expected, **changes
            )
        except EditConflict:
            now = self.access.get_milestone(milestone_id)
            return self.versioned(self.get_serializer(now).data, now.version, 412)
        return self.versioned(self.get_serializer(milestone).data, milestone.version)

    @extend_schema(summary="Delete a milestone and its tasks (sellers)")
    def destroy(self, request: Request, room_id: UUID, milestone_id: UUID) -> Response:
        self.access.require_seller()  # 403 before 404, as in the browser
        milestone_delete(milestone=self.access.get_milestone(milestone_id), by=self.access)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Move a milestone up or down (sellers)", request=MoveWriteSerializer)
    def move(self, request: Request, room_id: UUID, milestone_id: UUID) -> Response:
        get = self.access.get_milestone
        return self.move_response(milestone_move, "milestone", get, milestone_id)


class TasksViewSet(RoomViewSet):
    """The plan's tasks (a buyer: all but internal ones). Sellers change every task; buyers add
    tasks for their side and change, tick and reopen those on the buyer's side."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    templates_too = True

    def get_queryset(self) -> QuerySet[Task]:
        if self.schema_only:
            return Task.objects.none()
        return (
            self.access.tasks()
            .select_related("milestone", "owner")
            .order_by("milestone__position", "milestone_id", "position", "pk")
        )

    def _milestone(self, milestone_id: UUID) -> Milestone:
        """A milestone named in the body: one of this room's, or a field error."""
        try:
            return self.access.get_milestone(milestone_id)
        except Http404:
            raise ValidationError({"milestone": "Choose a milestone of this room."}) from None

    def _task_fields(self, data: dict) -> dict:
        """The body's ids as the room's objects, for plans.services (which has the rules)."""
        fields = dict(data)
        if "milestone" in fields:
            fields["milestone"] = self._milestone(fields["milestone"])
        if fields.get("owner") is not None:
            try:
                fields["owner"] = self.access.get_stakeholder(fields["owner"])
            except Http404:
                raise ValidationError({"owner": "Choose someone in this room."}) from None
        return fields

    @extend_schema(summary="A room's tasks")
    def list(self, request: Request, room_id: UUID) -> Response:
        return self.list_response()

    @extend_schema(summary="A task")
    def retrieve(self, request: Request, room_id: UUID, task_id: UUID) -> Response:
        task = self.access.get_task(task_id)
        return self.versioned(self.get_serializer(task).data, task.version)

    @extend_schema(
        summary="Add a task", request=TaskWriteSerializer, responses={201: TaskSerializer}
    )
    def create(self, request: Request, room_id: UUID) -> Response:
        data = self.input(TaskWriteSerializer)
        if "status" in data:
            raise ValidationError({"status": "A new task is to do: change it afterwards."})
        task = task_create(by=self.access, **self._task_fields(data))
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a task", request=TaskWriteSerializer, parameters=[IF_MATCH])
    def partial_update(self, request: Request, room_id: UUID, task_id: UUID) -> Response:
        task = self.access.get_task(task_id)
        self.access.require_task_editor(task)  # 403 before a 400 about the body
        data = self.input(TaskWriteSerializer, partial=True)
        expected = self.expected_version(task.version)
        try:
            task_update(
                task=task, by=self.access, expected_version=expected, **self._task_fields(data)
            )
        except EditConflict:
            now = self.access.get_task(task_id)
            return self.versioned(self.get_serializer(now).data, now.version, 412)
        return self.versioned(self.get_serializer(task).data, task.version)

    @extend_schema(summary="Tick or reopen a task", request=TickWriteSerializer)
    def tick(self, request: Request, room_id: UUID, task_id: UUID) -> Response:
        if self.access.room.is_template:
            raise Http404  # a template's tasks are never done (the browser has no such page)
        task = self.access.get_task(task_id)
        self.access.require_task_editor(task)  # 403 before a 400 about the body
        data = self.input(TickWriteSerializer)
        task_set_done(task=task, done=data["done"], by=self.access)
        return Response(self.get_serializer(task).data)

    @extend_schema(summary="Delete a task (sellers)")
    def destroy(self, request: Request, room_id: UUID, task_id: UUID) -> Response:
        self.access.require_seller()  # 403 before 404, as in the browser
        task_delete(task=self.access.get_task(task_id), by=self.access)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move a task up or down in its milestone (sellers)", request=MoveWriteSerializer
    )
    def move(self, request: Request, room_id: UUID, task_id: UUID) -> Response:
        return self.move_response(task_move, "task", self.access.get_task, task_id)


class CommentsViewSet(RoomViewSet):
    """The room's discussion and its tasks' comments (a buyer: without internal notes)."""

    serializer_class = CommentSerializer
    filterset_class = CommentFilter

    def get_queryset(self) -> QuerySet[Comment]:
        if self.schema_only:
            return Comment.objects.none()
        return self.access.comments().select_related("task", "author").order_by("created_at", "pk")

    @extend_schema(summary="A room's comments")
    def list(self, request: Request, room_id: UUID) -> Response:
        return self.list_response()

    @extend_schema(summary="A comment")
    def retrieve(self, request: Request, room_id: UUID, comment_id: UUID) -> Response:
        comment = self.get_queryset().filter(public_id=comment_id).first()
        if comment is None:
            raise Http404
        return Response(self.get_serializer(comment).data)

    @extend_schema(
        summary="Comment", request=CommentWriteSerializer, responses={201: CommentSerializer}
    )
    def create(self, request: Request, room_id: UUID) -> Response:
        data = self.input(CommentWriteSerializer)
        if data.get("task"):
            try:
                data["task"] = self.access.get_task(data["task"])
            except Http404:
                raise ValidationError({"task": "Choose a task of this room."}) from None
        comment = comment_create(by=self.access, **data)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


XLSX = CONTENT_TYPES["xlsx"]
SPREADSHEET = {"type": "string", "format": "binary"}


class PlanExportViewSet(RoomViewSet):
    """The plan as a spreadsheet in the import's format (plans.exports), as the person sees
    it: a buyer's holds no internal task and no Internal column. An organisation template's id
    works in place of the room's (its dates are offsets, such as T−14, written as text)."""

    templates_too = True

    def perform_content_negotiation(self, request: Request, force: bool = False):
        """``Accept: text/csv`` (or XLSX's type) is what a client of these asks for: the file
        is answered whatever Accept says, and an error in JSON, the API's only renderer."""
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="The plan as CSV (UTF-8 with a byte order mark)",
        responses={(200, "text/csv"): OpenApiResponse(SPREADSHEET, description="The plan.")},
    )
    def csv(self, request: Request, room_id: UUID) -> HttpResponse:
        return export_response(self.access, "csv")

    @extend_schema(
        summary="The plan as XLSX, with its progress on a second sheet",
        responses={(200, XLSX): OpenApiResponse(SPREADSHEET, description="The plan.")},
    )
    def xlsx(self, request: Request, room_id: UUID) -> HttpResponse:
        return export_response(self.access, "xlsx")
