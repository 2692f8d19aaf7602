"""Writes to a room's resources (files and links). One transaction each, each records its event.

Each takes ``by``, the acting person's access to the room, and holds who may do what: buyers
add, never internal items (403, on both faces), and remove only what they added; sellers do
everything.
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from activity.kinds import EventKind
from activity.recording import view_record
from rooms.access import RoomAccess
from rooms.events import event_record_by
from rooms.models import Resource, ResourceKind
from rooms.ordering import move, next_position
from rooms.uploads import check_upload, clean_name

TITLE_MAX = 200
URL_MAX = 2000
http_url = URLValidator(schemes=["http", "https"])


def _clean_title(title: str) -> str:
    title = title.strip()
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"Keep the title under {TITLE_MAX} characters."})
    return title


@transaction.atomic
def resource_add_file(
    *, by: RoomAccess, upload: UploadedFile, title: str = "", is_internal: bool = False
) -> Resource:
    """Checks the upload's size and type (rooms.uploads), then stores it under a random name."""
    by.require_internal_allowed(is_internal)
    room = by.room
    name, size = clean_name(upload.name or ""), upload.size or 0
    file_type = check_upload(upload, name=name, size=size)
    resource = Resource(
        organisation_id=room.organisation_id,
        room=room,
        kind=ResourceKind.FILE,
        title=_clean_title(title),
        original_name=name,
        content_type=file_type.content_type,
        size=size,
        is_internal=is_internal,
        position=next_position(room.resources.all()),
        created_by=by.user,
    )
    resource.file.save(name, upload, save=False)  # the name is not used: resource_upload_to
    try:
        resource.save()
        event_record_by(
            by,
            kind=EventKind.RESOURCE_ADDED,
            summary=f"shared the file “{resource.name}” ({filesizeformat(resource.size)})",
            is_internal=is_internal,
            resource=str(resource.public_id),
        )
    except BaseException:
        resource.file.delete(save=False)  # nothing half-saved: no file without its row
        raise
    return resource


@transaction.atomic
def resource_add_link(
    *, by: RoomAccess, url: str, title: str, is_internal: bool = False
) -> Resource:
    by.require_internal_allowed(is_internal)
    room = by.room
    url = url.strip()
    try:
        if len(url) > URL_MAX:
            raise ValidationError("too long")
        http_url(url)
    except ValidationError:
        raise ValidationError(
            {"url": "Enter a web address that starts with https:// or http://."}
        ) from None
    resource = Resource.objects.create(
        organisation_id=room.organisation_id,
        room=room,
        kind=ResourceKind.LINK,
        title=_clean_title(title),
        url=url,
        is_internal=is_internal,
        position=next_position(room.resources.all()),
        created_by=by.user,
    )
    event_record_by(
        by,
        kind=EventKind.RESOURCE_ADDED,
        summary=f"shared the link “{resource.name}”",
        is_internal=is_internal,
        resource=str(resource.public_id),
    )
    return resource


@transaction.atomic
def resource_delete(*, resource: Resource, by: RoomAccess) -> None:
    by.check_in_room(resource.room_id)
    by.require_resource_remover(resource)
    name, is_internal = resource.name, resource.is_internal
    what = "link" if resource.is_link else "file"
    stored = resource.file.name
    storage = resource.file.storage
    resource.delete()
    if stored:
        # Only once the row is gone for good: a rollback keeps both.
        transaction.on_commit(lambda: storage.delete(stored))
    event_record_by(
        by,
        kind=EventKind.RESOURCE_DELETED,
        summary=f"removed the {what} “{name}”",
        is_internal=is_internal,
    )


@transaction.atomic
def resource_move(*, resource: Resource, direction: str, by: RoomAccess) -> bool:
    by.require_seller()
    by.check_in_room(resource.room_id)
    moved = move(resource, resource.room.resources.all(), direction)
    if moved:
        event_record_by(
            by,
            kind=EventKind.RESOURCE_MOVED,
            summary=f"moved “{resource.name}” {direction}",
            is_internal=resource.is_internal,
            resource=str(resource.public_id),
        )
    return moved


def resource_opened(*, by: RoomAccess, resource: Resource) -> None:
    """Opening a file or following a link is recorded (PRODUCT.md section 2) as a view."""
    view_record(
        by.who,
        EventKind.RESOURCE_OPENED,
        f"opened “{resource.name}”",
        target=f"resource:{resource.public_id}",
        is_internal=resource.is_internal,
    )
