"""Organisations, rooms, templates and events."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import get_membership
from accounts.models import Membership
from activity.models import Event
from analytics.health import room_health
from analytics.selectors import Engagement, engagement_by_room
from api.filters import EventFilter, RoomFilter
from api.selectors import events_visible_to, memberships_of, rooms_reachable_by
from api.serializers import (
    EventSerializer,
    OrganisationSerializer,
    RoomCreateSerializer,
    RoomFiguresSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
    StageWriteSerializer,
    TemplateFromRoomSerializer,
    TemplateSerializer,
)
from api.views.base import IF_MATCH, ApiViewSet, form_cleaned, form_data
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.specs import TemplateSpec
from rooms.access import get_room_access, get_room_access_for_seller, templates_usable_by
from rooms.conflicts import EditConflict
from rooms.document import room_document_response
from rooms.forms import BLANK, RoomCreateForm
from rooms.models import Room
from rooms.services import (
    room_create,
    room_save_as_template,
    room_set_stage,
    room_update_details,
    template_delete,
    template_spec_for,
)


class OrganisationViewSet(ApiViewSet):
    """The organisations you are a member of (buyers are members of none)."""

    serializer_class = OrganisationSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Membership]:
        if self.schema_only:
            return Membership.objects.none()
        return memberships_of(self.user).order_by("created_at", "pk")

    @extend_schema(summary="Your organisations", responses=OrganisationSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(OrganisationSerializer(self.get_queryset(), many=True).data)

    @extend_schema(summary="One of your organisations")
    def retrieve(self, request: Request, organisation_id: UUID) -> Response:
        return Response(OrganisationSerializer(get_membership(request.user, organisation_id)).data)


class RoomsViewSet(ApiViewSet):
    """Deal rooms: every room you reach as a seller (as your role allows) or as a buyer."""

    serializer_class = RoomSerializer
    filterset_class = RoomFilter

    def get_queryset(self) -> QuerySet[Room]:
        if self.schema_only:
            return Room.objects.none()
        rooms = rooms_reachable_by(self.user, self.memberships)
        return rooms.select_related("owner", "organisation").order_by("target_date", "pk")

    @property
    def memberships(self) -> list[Membership]:
        if not hasattr(self, "_memberships"):
            self._memberships = list(memberships_of(self.user))
        return self._memberships

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not self.schema_only:
            context["seller_organisations"] = {m.organisation_id for m in self.memberships}
        return context

    @extend_schema(summary="Rooms you reach")
    def list(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(summary="A room")
    def retrieve(self, request: Request, room_id: UUID) -> Response:
        access = get_room_access(request.user, room_id, template=False)
        room = access.room
        data = RoomSerializer(room, context={"access": access}).data
        return self.versioned(data, room.details_version)

    @extend_schema(
        summary="Create a room, blank or from a template",
        request=RoomCreateSerializer,
        responses={201: RoomSerializer},
    )
    def create(self, request: Request) -> Response:
        if not self.memberships:
            raise Http404  # as the browser: only members create rooms
        data = self.input(RoomCreateSerializer)
        membership = self._membership_for(data.get("organisation"))
        org_templates = list(templates_usable_by(membership))
        form = RoomCreateForm(
            form_data(
                {
                    "template": data.get("template") or BLANK,
                    "buyer_company": data["buyer_company"],
                    "target_date": data["target_date"],
                    "start_date": data.get("start_date"),
                }
            ),
            org_templates=org_templates,
        )
        cleaned = form_cleaned(form)
        room = room_create(
            membership=membership,
            buyer_company=cleaned["buyer_company"],
            target_date=cleaned["target_date"],
            start_date=cleaned["start_date"],
            template=template_spec_for(cleaned["template"], org_templates),
        )
        context = {"seller_organisations": {membership.organisation_id}}
        return Response(RoomSerializer(room, context=context).data, status=status.HTTP_201_CREATED)

    def _membership_for(self, organisation_id: UUID | None) -> Membership:
        if organisation_id is not None:
            for membership in self.memberships:
                if membership.organisation.public_id == organisation_id:
                    return membership
            raise ValidationError({"organisation": "Choose an organisation you are a member of."})
        if len(self.memberships) > 1:
            raise ValidationError({"organisation": "You are in several: say which organisation."})
        return self.memberships[0]

    @extend_schema(
        summary="Change a room's details (sellers)",
        request=RoomUpdateSerializer,
        responses=RoomSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, room_id: UUID) -> Response:
        access = get_room_access_for_seller(request.user, room_id)
        changes = self.input(RoomUpdateSerializer, partial=True)
        room = access.room
        expected = self.expected_version(room.details_version)
        try:
            room_update_details(by=access, expected_version=expected, **changes)
        except EditConflict:
            room.refresh_from_db()
            data = RoomSerializer(room, context={"access": access}).data
            return self.versioned(data, room.details_version, 412)
        data = RoomSerializer(room, context={"access": access}).data
        return self.versioned(data, room.details_version)

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # The document answers application/pdf itself: a client that accepts only that gets
        # it, and any error in JSON, rather than a 406 for want of a PDF renderer.
        return super().perform_content_negotiation(request, force or self.action == "document")

    @extend_schema(
        summary="The room as a PDF document, as you see it",
        description=(
            "The value summary, success criteria, people, the plan with owners, dates and "
            "status, and the progress, in the room's colours. A buyer's document leaves out "
            "what their room page does: internal tasks and the deal value."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response={"type": "string", "format": "binary"},
                description="The PDF, as an attachment named after the buyer company.",
            )
        },
    )
    def document(self, request: Request, room_id: UUID) -> HttpResponseBase:
        return room_document_response(get_room_access(request.user, room_id, template=False))

    @extend_schema(summary="A room's dashboard figures (sellers)", responses=RoomFiguresSerializer)
    def figures(self, request: Request, room_id: UUID) -> Response:
        access = get_room_access_for_seller(request.user, room_id)
        room = access.room
        now = timezone.now()
        found = room_health(room, now)
        facts, plan, verdict = found.facts, found.forecast, found.health
        engagement = engagement_by_room([room.pk], timezone.localdate(now)).get(room.pk)
        engagement = engagement or Engagement()
        data = {
            "room": room.public_id,
            "target_date": room.target_date,
            "progress": {"done": facts.done, "total": facts.total, "overdue": facts.overdue},
            "health": {"state": verdict.state, "reason": verdict.reason},
            "forecast": {
                "date": plan.date,
                "slip_days": plan.slip_days,
                "summary": plan.summary,
                "complete": plan.complete,
            },
            "engagement": {
                "visits_7": engagement.visits_7,
                "visits_30": engagement.visits_30,
                "visitors_7": engagement.visitors_7,
                "visitors_30": engagement.visitors_30,
                "last_activity": facts.last_buyer_activity,
            },
        }
        return Response(RoomFiguresSerializer(data).data)

    @extend_schema(
        summary="Mark a room won, lost, archived or active (sellers)", request=StageWriteSerializer
    )
    def stage(self, request: Request, room_id: UUID) -> Response:
        access = get_room_access_for_seller(request.user, room_id)
        room_set_stage(by=access, **self.input(StageWriteSerializer))
        return Response(RoomSerializer(access.room, context={"access": access}).data)

    @extend_schema(
        summary="Save a room's plan as a template (sellers)",
        request=TemplateFromRoomSerializer,
        responses={201: TemplateSerializer},
    )
    def save_as_template(self, request: Request, room_id: UUID) -> Response:
        access = get_room_access_for_seller(request.user, room_id)
        template = room_save_as_template(by=access, **self.input(TemplateFromRoomSerializer))
        data = TemplateSerializer(template_from_room(template)).data
        return Response(data, status=status.HTTP_201_CREATED)


def template_from_spec(spec: TemplateSpec) -> dict:
    return {
        "id": spec.key,
        "name": spec.name,
        "description": spec.description,
        "direction": spec.direction,
        "organisation": None,
        "milestone_count": len(spec.milestones),
        "task_count": spec.task_count,
    }


def template_from_room(room: Room) -> dict:
    return {
        "id": str(room.public_id),
        "name": room.name,
        "description": room.description,
        "direction": room.direction,
        "organisation": room.organisation.public_id,
        "milestone_count": room.milestones.count(),
        "task_count": room.tasks.count(),
    }


class TemplatesViewSet(ApiViewSet):
    """Plan templates: the built-in ones and your organisations' (members only, as in the
    browser). A room is made from one with POST /api/v1/rooms/ and its `id`; an organisation
    template's plan is edited under /api/v1/rooms/<its id>/milestones/ and …/tasks/."""

    serializer_class = TemplateSerializer

    def _org_templates(self) -> list[Room]:
        memberships = list(memberships_of(self.user))
        if not memberships:
            raise Http404
        templates: list[Room] = []
        for membership in memberships:
            templates += (
                templates_usable_by(membership).select_related("organisation").order_by("name")
            )
        return templates

    def get_queryset(self) -> QuerySet[Room]:
        return Room.objects.none()  # the schema's; the templates are listed by _org_templates

    @extend_schema(summary="Templates you can start a room from")
    def list(self, request: Request) -> Response:
        org_templates = self._org_templates()
        counts = {
            row["pk"]: row
            for row in Room.objects.filter(pk__in=[t.pk for t in org_templates])
            .annotate(m=Count("milestones", distinct=True), t=Count("tasks", distinct=True))
            .values("pk", "m", "t")
        }
        rows = [template_from_spec(spec) for spec in BUILTIN_TEMPLATES.values()]
        for template in org_templates:
            row = template_from_room(template) | {
                "milestone_count": counts[template.pk]["m"],
                "task_count": counts[template.pk]["t"],
            }
            rows.append(row)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(TemplateSerializer(page, many=True).data)

    @extend_schema(summary="A template")
    def retrieve(self, request: Request, template_id: str) -> Response:
        org_templates = self._org_templates()
        if template_id in BUILTIN_TEMPLATES:
            return Response(
                TemplateSerializer(template_from_spec(BUILTIN_TEMPLATES[template_id])).data
            )
        for template in org_templates:
            if str(template.public_id) == template_id:
                return Response(TemplateSerializer(template_from_room(template)).data)
        raise Http404

    @extend_schema(summary="Delete an organisation template (its sellers)")
    def destroy(self, request: Request, template_id: str) -> Response:
        try:
            room_id = UUID(template_id)
        except ValueError:
            raise Http404 from None  # a built-in template is nobody's to delete
        access = get_room_access(request.user, room_id, template=True)
        access.require_seller()
        template_delete(by=access)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventsViewSet(ApiViewSet):
    """What happened in your rooms, newest first: the activity feed, which is the seller's
    (buyers see none, as on their room page)."""

    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self) -> QuerySet[Event]:
        if self.schema_only:
            return Event.objects.none()
        events = events_visible_to(list(memberships_of(self.user)))
        return events.select_related("room").order_by("-created_at", "-pk")

    @extend_schema(summary="Events of your rooms")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(EventSerializer(page, many=True).data)
