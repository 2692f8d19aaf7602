"""What every endpoint shares: one transaction per write, the room reached through
rooms.access. Input is parsed by api.serializers; who may set what is the services' rule. A few
endpoints still parse with a browser form where it normalises more than a serializer would (a
link without its scheme, a room's template choice): form_cleaned turns its errors into the API's."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from accounts.models import User
from api.serializers import MoveWriteSerializer
from rooms.access import RoomAccess, get_room_access

# On the writes of what people edit side by side (rooms.conflicts); api.schema documents the
# ETag their reads and writes answer with, and the 412, wherever this parameter is.
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag the object had when you read it. If someone has changed it since, nothing "
        "is written: 412 with the object as it is now and its ETag. Without the header the "
        "write is made whatever changed meanwhile."
    ),
)


def etag(version: int) -> str:
    return f'"{version}"'


class ApiViewSet(GenericViewSet):
    request: Request

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A write is one transaction: an answer of 400 or more keeps nothing of it."""
        if request.method in SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    @property
    def user(self) -> User:
        return self.request.user

    @property
    def schema_only(self) -> bool:
        """drf-spectacular builds the schema with a fake view and no real request."""
        return getattr(self, "swagger_fake_view", False)

    def list_response(self) -> Response:
        """A page of the view's filtered queryset."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def expected_version(self, version: int) -> int | None:
        """The version an ``If-Match`` header lets the write change, for the service's
        ``expected_version`` (which checks it again under a lock): none without the header or
        with ``*``, ``version`` (the object's as read) when one of the header's tags is its
        ETag, else one no object has, so that the write is refused."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return None
        tags = parse_etags(header)
        if tags == ["*"]:
            return None
        return version if etag(version) in tags else 0

    def versioned(self, data: Any, version: int, status_code: int = status.HTTP_200_OK) -> Response:
        """An object's representation with its ETag (412: as it is now, after a refused write)."""
        return Response(data, status=status_code, headers={"ETag": etag(version)})

    def input(self, serializer_class: type[serializers.Serializer], partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class RoomViewSet(ApiViewSet):
    """Under /rooms/<room_id>/: the person's access to that room (404 for outsiders)."""

    # The plan's endpoints take an organisation template's id too: the browser edits a
    # template's plan with the room's plan editor.
    templates_too = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not self.schema_only:
            self.access  # noqa: B018  as in the browser, an outsider's 404 comes before anything

    def move_response(
        self, move: Callable[..., bool], name: str, get: Callable[[UUID], Any], object_id: UUID
    ) -> Response:
        """Up or down among its siblings: sellers only, checked first, as in the browser."""
        self.access.require_seller()
        thing = get(object_id)
        direction = self.input(MoveWriteSerializer)["direction"]
        move(**{name: thing}, direction=direction, by=self.access)
        return Response(self.get_serializer(thing).data)

    @cached_property
    def access(self) -> RoomAccess:
        template = None if self.templates_too else False
        return get_room_access(self.request.user, self.kwargs["room_id"], template=template)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not self.schema_only:
            context["access"] = self.access
        return context


def form_value(value: Any) -> Any:
    """A JSON value as a browser would post it to a Django form."""
    if value is None:
        return ""
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    return value


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    return {name: form_value(value) for name, value in values.items()}


def form_cleaned(form: forms.BaseForm, rename: dict[str, str] | None = None) -> dict[str, Any]:
    """The browser's form decides: its errors are the API's 400, by the API's field names."""
    if not form.is_valid():
        rename = rename or {}
        raise ValidationError(
            {rename.get(name, name): errors for name, errors in form.errors.as_data().items()}
        )
    return dict(form.cleaned_data)
