"""A room's files and links."""

from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import ResourceFilter
from api.serializers import (
    FileWriteSerializer,
    LinkWriteSerializer,
    MoveWriteSerializer,
    ResourceSerializer,
)
from api.views.base import RoomViewSet, form_cleaned, form_data
from rooms.downloads import file_response
from rooms.models import Resource
from rooms.resource_forms import ResourceFileForm, ResourceLinkForm
from rooms.resource_services import (
    resource_add_file,
    resource_add_link,
    resource_delete,
    resource_move,
    resource_opened,
)
from rooms.uploads import SizeLimitHandler


class ResourcesViewSet(RoomViewSet):
    """Files and links shared in the room, by either side (a buyer: none of the internal ones).
    Sellers reorder and remove anything; a buyer removes what they shared."""

    serializer_class = ResourceSerializer
    filterset_class = ResourceFilter

    def get_queryset(self) -> QuerySet[Resource]:
        if self.schema_only:
            return Resource.objects.none()
        return self.access.resources().order_by("position", "pk")

    def get_parsers(self):
        if getattr(self, "action_map", {}).get("post") == "upload":
            return [MultiPartParser()]
        return super().get_parsers()

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        """An upload stops taking in a file over the limit (rooms.uploads): the handler goes in
        before anything, the session's CSRF check included, reads the body."""
        if getattr(self, "action_map", {}).get("post") == "upload":
            self.size_limit = SizeLimitHandler(request, limit=settings.RESOURCE_MAX_BYTES)
            request.upload_handlers = [self.size_limit, *request.upload_handlers]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(summary="A room's files and links")
    def list(self, request: Request, room_id: UUID) -> Response:
        return self.list_response()

    @extend_schema(summary="A file's or link's details")
    def retrieve(self, request: Request, room_id: UUID, resource_id: UUID) -> Response:
        return Response(self.get_serializer(self.access.get_resource(resource_id)).data)

    @extend_schema(
        summary="Share a link", request=LinkWriteSerializer, responses={201: ResourceSerializer}
    )
    def add_link(self, request: Request, room_id: UUID) -> Response:
        data = self.input(LinkWriteSerializer)
        cleaned = form_cleaned(ResourceLinkForm(form_data(data)))
        resource = resource_add_link(by=self.access, **cleaned)
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Share a file (multipart/form-data)",
        request={"multipart/form-data": FileWriteSerializer},
        responses={201: ResourceSerializer},
    )
    def upload(self, request: Request, room_id: UUID) -> Response:
        access = self.access
        data = self.input(FileWriteSerializer)
        upload = data.pop("file", None)
        form = ResourceFileForm(
            form_data(data), {"file": upload} if upload else {}, too_big=self.size_limit.too_big
        )
        cleaned = form_cleaned(form)
        resource = resource_add_file(
            by=access,
            upload=cleaned["file"],
            title=cleaned["title"],
            is_internal=cleaned["is_internal"],
        )
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a file, or follow a link (recorded in the room's activity)",
        responses={
            (200, "*/*"): OpenApiResponse(
                response={"type": "string", "format": "binary"}, description="The file."
            ),
            302: OpenApiResponse(description="A link: its address is in Location."),
        },
    )
    def download(self, request: Request, room_id: UUID, resource_id: UUID) -> HttpResponseBase:
        resource = self.access.get_resource(resource_id)
        if resource.is_link:
            resource_opened(by=self.access, resource=resource)
            return redirect(resource.url)
        return file_response(self.access, resource)

    @extend_schema(summary="Remove a file or link (sellers; a buyer what they shared)")
    def destroy(self, request: Request, room_id: UUID, resource_id: UUID) -> Response:
        resource = self.access.get_resource(resource_id)
        resource_delete(resource=resource, by=self.access)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Move a file or link up or down (sellers)", request=MoveWriteSerializer)
    def move(self, request: Request, room_id: UUID, resource_id: UUID) -> Response:
        get = self.access.get_resource
        return self.move_response(resource_move, "resource", get, resource_id)
