"""Query filters of the list endpoints (django-filter). Ids are public UUIDs."""

from datetime import UTC, datetime

import django_filters as filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from accounts.models import Side
from activity.models import Event
from plans.models import Comment, Status, Task
from rooms.models import Resource, ResourceKind, Room, Stage
from stakeholders.models import Stakeholder


class UtcIsoDateTimeField(IsoDateTimeField):
    """Any ISO 8601 offset is accepted and read as UTC: PostgreSQL takes offsets up to ±15:59
    only, and a time near year 1 or 9999 may not exist in UTC at all (a 400, not a 500)."""

    def to_python(self, value: str | None) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Enter a time between the years 1 and 9999.") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class RoomFilter(filters.FilterSet):
    organisation = filters.UUIDFilter(
        field_name="organisation__public_id", help_text="Only this organisation's rooms."
    )
    stage = filters.ChoiceFilter(choices=Stage.choices, help_text="Only rooms at this stage.")
    buyer_company = filters.CharFilter(
        lookup_expr="icontains", max_length=100, help_text="Buyer company names containing this."
    )
    target_after = filters.DateFilter(
        field_name="target_date", lookup_expr="gte", help_text="Target date on or after."
    )
    target_before = filters.DateFilter(
        field_name="target_date", lookup_expr="lte", help_text="Target date on or before."
    )

    class Meta:
        model = Room
        fields = ["organisation", "stage", "buyer_company", "target_after", "target_before"]


class StakeholderFilter(filters.FilterSet):
    side = filters.ChoiceFilter(choices=Side.choices, help_text="Only this side's people.")

    class Meta:
        model = Stakeholder
        fields = ["side"]


class TaskFilter(filters.FilterSet):
    milestone = filters.UUIDFilter(
        field_name="milestone__public_id", help_text="Only this milestone's tasks."
    )
    owner = filters.UUIDFilter(field_name="owner__public_id", help_text="Only this person's tasks.")
    status = filters.ChoiceFilter(choices=Status.choices, help_text="Only tasks in this status.")
    side = filters.ChoiceFilter(choices=Side.choices, help_text="Only this side's tasks.")
    due_after = filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text="Due on or after."
    )
    due_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Due on or before."
    )

    class Meta:
        model = Task
        fields = ["milestone", "owner", "status", "side", "due_after", "due_before"]


class CommentFilter(filters.FilterSet):
    task = filters.UUIDFilter(field_name="task__public_id", help_text="Only this task's comments.")
    discussion = filters.BooleanFilter(
        field_name="task", lookup_expr="isnull", help_text="Only the room's discussion (true)."
    )

    class Meta:
        model = Comment
        fields = ["task", "discussion"]


class ResourceFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ResourceKind.choices, help_text="Only files or links.")

    class Meta:
        model = Resource
        fields = ["kind"]


class EventFilter(filters.FilterSet):
    room = filters.UUIDFilter(field_name="room__public_id", help_text="Only this room's events.")
    kind = filters.CharFilter(max_length=40, help_text="Only events of this kind.")
    created_after = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="At or after this time (ISO 8601)."
    )
    created_before = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Before this time (ISO 8601)."
    )

    class Meta:
        model = Event
        fields = ["room", "kind", "created_after", "created_before"]
