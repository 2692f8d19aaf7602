"""A room's people on both sides."""

from uuid import UUID

from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Membership
from api.filters import StakeholderFilter
from api.serializers import (
    MoveWriteSerializer,
    SellerWriteSerializer,
    StakeholderSerializer,
    StakeholderWriteSerializer,
)
from api.views.base import IF_MATCH, RoomViewSet
from rooms.conflicts import EditConflict
from stakeholders.models import Stakeholder
from stakeholders.services import (
    buyer_invite,
    buyer_revoke,
    colleague_add,
    stakeholder_add_buyer,
    stakeholder_add_seller,
    stakeholder_move,
    stakeholder_remove,
    stakeholder_update,
)


class StakeholdersViewSet(RoomViewSet):
    """People on both sides. Sellers add, change, invite and revoke anyone; a buyer brings in
    a colleague (who is emailed their own link) when the room allows it."""

    serializer_class = StakeholderSerializer
    filterset_class = StakeholderFilter

    def get_queryset(self) -> QuerySet[Stakeholder]:
        if self.schema_only:
            return Stakeholder.objects.none()
        return Stakeholder.objects.filter(room=self.access.room).order_by("side", "position", "pk")

    def _consume(self, action: str) -> None:
        """The browser's limits on emails sent to typed addresses (allauth's rate limits)."""
        if not ratelimit.consume(self.request._request, action=action, user=self.user):
            raise Throttled()

    @extend_schema(summary="A room's people")
    def list(self, request: Request, room_id: UUID) -> Response:
        return self.list_response()

    @extend_schema(summary="A person in the room")
    def retrieve(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        person = self.access.get_stakeholder(stakeholder_id)
        return self.versioned(self.get_serializer(person).data, person.version)

    @extend_schema(
        summary="Add someone at the buyer (a buyer: a colleague, invited at once)",
        request=StakeholderWriteSerializer,
        responses={201: StakeholderSerializer},
    )
    def create(self, request: Request, room_id: UUID) -> Response:
        data = self.input(StakeholderWriteSerializer)
        if self.access.is_seller:
            person = stakeholder_add_buyer(by=self.access, **data)
        else:
            self._consume("colleague_invite")
            person = colleague_add(by=self.access, **data)
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Put a colleague on the seller team (sellers)",
        request=SellerWriteSerializer,
        responses={201: StakeholderSerializer},
    )
    def add_seller(self, request: Request, room_id: UUID) -> Response:
        self.access.require_seller()
        data = self.input(SellerWriteSerializer)
        member = (
            Membership.objects.select_related("user")
            .filter(
                organisation_id=self.access.room.organisation_id, user__email__iexact=data["email"]
            )
            .first()
        )
        if member is None:
            raise ValidationError({"email": "Choose a member of the room's organisation."})
        person = stakeholder_add_seller(by=self.access, member=member, title=data.get("title", ""))
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change someone's details (sellers)",
        request=StakeholderWriteSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        self.access.require_seller()
        person = self.access.get_stakeholder(stakeholder_id)
        changes = self.input(StakeholderWriteSerializer, partial=True)
        expected = self.expected_version(person.version)
        try:
            stakeholder_update(
                stakeholder=person, by=self.access, expected_version=expected, **changes
            )
        except EditConflict:
            now = self.access.get_stakeholder(stakeholder_id)
            return self.versioned(self.get_serializer(now).data, now.version, 412)
        return self.versioned(self.get_serializer(person).data, person.version)

    @extend_schema(summary="Remove someone from the room (sellers)")
    def destroy(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        self.access.require_seller()
        person = self.access.get_stakeholder(stakeholder_id)
        stakeholder_remove(stakeholder=person, by=self.access)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move someone up or down their side's list (sellers)", request=MoveWriteSerializer
    )
    def move(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        get = self.access.get_stakeholder
        return self.move_response(stakeholder_move, "stakeholder", get, stakeholder_id)

    @extend_schema(
        summary="Email a buyer their link to the room, again if need be (sellers)", request=None
    )
    def invite(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        self.access.require_seller()
        person = self.access.get_stakeholder(stakeholder_id)
        self._consume("buyer_invite")
        buyer_invite(stakeholder=person, by=self.access)
        person.refresh_from_db()
        return Response(self.get_serializer(person).data)

    @extend_schema(summary="End a buyer's access at once (sellers)", request=None)
    def revoke(self, request: Request, room_id: UUID, stakeholder_id: UUID) -> Response:
        self.access.require_seller()
        person = self.access.get_stakeholder(stakeholder_id)
        buyer_revoke(stakeholder=person, by=self.access)
        return Response(self.get_serializer(person).data)
