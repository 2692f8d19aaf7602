"""What the API reads and writes. Input serializers parse: JSON types, lengths, choices, and
unknown fields refused; the rules (who may set what, which owner, what may be internal…) are the
services', the same for the API as for the browser. Output serializers say what each field is;
the fields only sellers receive start their description with ``schema.SELLER_ONLY``."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from rest_framework import serializers

from accounts.models import Membership, Role, Side
from activity.models import Event
from plans.models import Comment, Milestone, Status, Task
from rooms.models import BuyerInvites, Currency, Resource, Room, Stage
from stakeholders.models import BuyingRole, Stakeholder

from .schema import SELLER_ONLY

DIRECTIONS = [("up", "up"), ("down", "down")]


# Input ----------------------------------------------------------------------------------------


class Strict(serializers.Serializer):
    """Refuses fields it does not know, rather than ignoring a typo."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, ["Unknown field."]))
        return super().to_internal_value(data)


def text(help_text: str, max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        help_text=help_text, max_length=max_length, allow_blank=True, trim_whitespace=False,
        **kwargs,
    )  # fmt: skip


class RoomCreateSerializer(Strict):
    organisation = serializers.UUIDField(
        required=False,
        help_text="The organisation to create it in; may be left out by a member of only one.",
    )
    template = serializers.CharField(
        required=False,
        max_length=100,
        help_text="A template's `id` from /api/v1/templates/ (a built-in key such as "
        "`enterprise`, or an organisation template's UUID); left out: a blank plan.",
    )
    buyer_company = serializers.CharField(max_length=200, help_text="The buyer's company.")
    target_date = serializers.DateField(
        help_text="The buyer's go-live or decision date: where the plan ends."
    )
    start_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Forward templates plan from here; today if empty.",
    )


class RoomUpdateSerializer(Strict):
    buyer_company = serializers.CharField(max_length=200, help_text="The buyer's company.")
    accent_colour = serializers.CharField(max_length=7, help_text="The buyer's colour, #RRGGBB.")
    deal_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, min_value=0, help_text="The deal's value."
    )
    currency = serializers.ChoiceField(choices=Currency.choices, help_text="The deal's currency.")
    value_summary = text("What this does for the buyer, in their words (markdown).", 5000)
    success_criteria = text("What success looks like for the buyer (markdown).", 5000)
    business_goal = text("The buyer's business goal.", 300)
    business_goal_date = serializers.DateField(
        allow_null=True, help_text="When the buyer means to reach the goal."
    )
    start_date = serializers.DateField(help_text="When the plan starts.")
    target_date = serializers.DateField(help_text="The buyer's go-live or decision date.")
    buyer_invites = serializers.ChoiceField(
        choices=BuyerInvites.choices, help_text="Whom the buyer's people may bring in."
    )
    buyer_domains = text("Comma-separated email domains, for `buyer_invites` `domains`.", 500)


class StageWriteSerializer(Strict):
    stage = serializers.ChoiceField(choices=Stage.choices, help_text="The room's new stage.")
    lost_reason = text("Why the deal was lost (needed for `lost`).", 500, required=False)


class TemplateFromRoomSerializer(Strict):
    name = serializers.CharField(max_length=200, help_text="The new template's name.")
    description = text("What the template is for.", 2000, required=False)


class StakeholderWriteSerializer(Strict):
    name = serializers.CharField(max_length=150, help_text="The person's name.")
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, help_text="Their email address."
    )
    title = text("Their job title.", 150, required=False)
    role = serializers.ChoiceField(
        choices=BuyingRole.choices, default=BuyingRole.OTHER, help_text="Their buying role."
    )


class SellerWriteSerializer(Strict):
    email = serializers.EmailField(
        max_length=254, help_text="The email of a member of the room's organisation."
    )
    title = text("Their job title.", 150, required=False)


class MoveWriteSerializer(Strict):
    direction = serializers.ChoiceField(
        choices=DIRECTIONS, help_text="Swap with the one before (`up`) or after (`down`)."
    )


class MilestoneWriteSerializer(Strict):
    title = serializers.CharField(max_length=200, help_text="The milestone's title.")
    description = text("What reaching it means.", 5000, required=False)
    target_date = serializers.DateField(
        required=False, allow_null=True, help_text="When it should be reached."
    )


class TaskWriteSerializer(Strict):
    milestone = serializers.UUIDField(help_text="The milestone (of this room) it belongs to.")
    title = serializers.CharField(max_length=200, help_text="What is to be done.")
    description = text("More about it.", 5000, required=False)
    owner = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A stakeholder of this room (buyers: one on the buyer's side); its side wins.",
    )
    side = serializers.ChoiceField(
        choices=Side.choices,
        required=False,
        help_text="Which side does it when there is no owner yet (buyers: `buyer` only).",
    )
    due_date = serializers.DateField(required=False, allow_null=True, help_text="When it is due.")
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Where it stands (updates only)."
    )
    is_internal = serializers.BooleanField(
        required=False, help_text="Seller-only: buyers never see it (a buyer may not set it)."
    )


class TickWriteSerializer(Strict):
    done = serializers.BooleanField(help_text="`true` ticks the task, `false` reopens it.")


class CommentWriteSerializer(Strict):
    body = serializers.CharField(max_length=10000, help_text="The comment; @Name mentions.")
    task = serializers.UUIDField(
        required=False, allow_null=True, help_text="The task it is on; empty: the discussion."
    )
    is_internal = serializers.BooleanField(
        required=False, help_text="An internal note, for sellers only (a buyer may not set it)."
    )


class LinkWriteSerializer(Strict):
    url = serializers.CharField(max_length=2000, help_text="An http(s) address.")
    title = text("What the link is.", 200, required=False)
    is_internal = serializers.BooleanField(
        required=False, help_text="For sellers only (a buyer may not set it)."
    )


class FileWriteSerializer(Strict):
    file = serializers.FileField(
        required=False, help_text="PDF, image, Office document, CSV or text (required)."
    )
    title = text("What the file is.", 200, required=False)
    is_internal = serializers.BooleanField(
        required=False, help_text="For sellers only (a buyer may not set it)."
    )


# Output ---------------------------------------------------------------------------------------


class Out(serializers.Serializer):
    """An answer's fields: all read-only, so that the schema says each one is always there."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class SellerOnly(Out):
    """Leaves out, for a buyer, the fields described as ``SELLER_ONLY``."""

    def to_representation(self, instance: Any) -> dict:
        data = super().to_representation(instance)
        if not self.is_seller(instance):
            for name, field in self.fields.items():
                if (field.help_text or "").startswith(SELLER_ONLY):
                    data.pop(name, None)
        return data

    def is_seller(self, instance: Any) -> bool:
        access = self.context.get("access")
        return bool(access and access.is_seller)


class OrganisationSerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="organisation.public_id", help_text="Its public id.")
    name = serializers.CharField(source="organisation.name", help_text="Its name.")
    role = serializers.ChoiceField(choices=Role.choices, help_text="Your role in it.")
    timezone = serializers.CharField(
        source="organisation.timezone", help_text="Where the team works (IANA zone)."
    )

    class Meta:
        model = Membership
        fields = ["id", "name", "role", "timezone"]


class PersonSerializer(Out):
    name = serializers.CharField(source="get_full_name", help_text="Their name.")
    email = serializers.EmailField(help_text=SELLER_ONLY + "their email address.")


class RoomSerializer(SellerOnly, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The room's public id.")
    organisation = serializers.UUIDField(
        source="organisation.public_id", help_text="The seller's organisation."
    )
    owner = PersonSerializer(help_text="The seller who owns the room.")
    your_side = serializers.SerializerMethodField(help_text="`seller` or `buyer`: your side.")
    deal_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=SELLER_ONLY + "the value."
    )
    currency = serializers.ChoiceField(
        choices=Currency.choices, help_text=SELLER_ONLY + "the deal's currency."
    )
    lost_reason = serializers.CharField(help_text=SELLER_ONLY + "why a lost deal was lost.")

    class Meta:
        model = Room
        fields = [
            "id", "organisation", "buyer_company", "name", "accent_colour", "stage",
            "start_date", "target_date", "direction", "business_goal", "business_goal_date",
            "value_summary", "success_criteria", "buyer_invites", "buyer_domains", "owner",
            "your_side", "deal_value", "currency", "lost_reason", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "buyer_company": {"help_text": "The buyer's company."},
            "name": {"help_text": "An optional deal name."},
            "accent_colour": {"help_text": "The buyer's colour, #RRGGBB."},
            "stage": {"help_text": "Active, won, lost or archived."},
            "start_date": {"help_text": "When the plan starts."},
            "direction": {"help_text": "Whether its template planned back or forward."},
            "business_goal": {"help_text": "The buyer's business goal."},
            "business_goal_date": {"help_text": "When the buyer means to reach it."},
            "value_summary": {"help_text": "What this does for the buyer (markdown)."},
            "success_criteria": {"help_text": "What success looks like (markdown)."},
            "buyer_invites": {"help_text": "Whom the buyer's people may bring in."},
            "buyer_domains": {"help_text": "The email domains buyers may invite from."},
            "created_at": {"help_text": "When it was created."},
            "updated_at": {"help_text": "When it last changed."},
        }

    def to_representation(self, instance: Room) -> dict:
        data = super().to_representation(instance)
        if not self.is_seller(instance):
            data["owner"].pop("email", None)  # the page shows buyers the owner's name only
        return data

    def get_your_side(self, room: Room) -> str:
        return Side.SELLER if self.is_seller(room) else Side.BUYER

    def is_seller(self, instance: Any) -> bool:
        seller_orgs = self.context.get("seller_organisations")
        if seller_orgs is not None:
            return instance.organisation_id in seller_orgs
        return super().is_seller(instance)


class StakeholderSerializer(SellerOnly, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The stakeholder's public id.")
    last_seen_at = serializers.DateTimeField(
        allow_null=True, help_text=SELLER_ONLY + "when they last opened the room."
    )

    class Meta:
        model = Stakeholder
        fields = [
            "id", "side", "name", "email", "title", "role", "access_state", "position",
            "last_seen_at", "created_at",
        ]  # fmt: skip
        extra_kwargs = {
            "side": {"help_text": "The seller's team or the buyer's."},
            "name": {"help_text": "Their name."},
            "email": {
                "help_text": "Their email address, or empty (to a buyer, that of the seller's "
                "people: the room page shows a buyer no seller's address)."
            },
            "title": {"help_text": "Their job title."},
            "role": {"help_text": "Their buying role."},
            "access_state": {
                "help_text": "A buyer's access: not invited, invited, active, revoked."
            },
            "position": {"help_text": "Their place in their side's list."},
            "created_at": {"help_text": "When they were added."},
        }

    def to_representation(self, instance: Stakeholder) -> dict:
        data = super().to_representation(instance)
        if not self.is_seller(instance) and instance.side == Side.SELLER:
            data["email"] = ""
        return data


class MilestoneSerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The milestone's public id.")

    class Meta:
        model = Milestone
        fields = ["id", "title", "description", "target_date", "position", "created_at"]
        extra_kwargs = {
            "title": {"help_text": "Its title."},
            "description": {"help_text": "What reaching it means."},
            "target_date": {"help_text": "When it should be reached."},
            "position": {"help_text": "Its place in the plan."},
            "created_at": {"help_text": "When it was added."},
        }


class TaskSerializer(SellerOnly, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The task's public id.")
    milestone = serializers.UUIDField(source="milestone.public_id", help_text="Its milestone.")
    owner = serializers.UUIDField(
        source="owner.public_id", allow_null=True, help_text="The stakeholder who owns it."
    )
    is_internal = serializers.BooleanField(help_text=SELLER_ONLY + "buyers never see it.")
    can_edit = serializers.SerializerMethodField(help_text="Whether you may change it.")

    class Meta:
        model = Task
        fields = [
            "id", "milestone", "title", "description", "side", "owner", "due_date", "status",
            "is_internal", "completed_at", "position", "can_edit", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {
            "title": {"help_text": "What is to be done."},
            "description": {"help_text": "More about it."},
            "side": {"help_text": "Which side does it."},
            "due_date": {"help_text": "When it is due."},
            "status": {"help_text": "Where it stands."},
            "completed_at": {"help_text": "When it was ticked."},
            "position": {"help_text": "Its place in its milestone."},
            "created_at": {"help_text": "When it was added."},
            "updated_at": {"help_text": "When it last changed."},
        }

    def get_can_edit(self, task: Task) -> bool:
        return bool(self.context["access"].can_edit_task(task))


class CommentSerializer(SellerOnly, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The comment's public id.")
    task = serializers.UUIDField(
        source="task.public_id", allow_null=True, help_text="Its task; null: the discussion."
    )
    author = serializers.CharField(
        source="author.get_full_name", allow_null=True, default=None, help_text="Who wrote it."
    )
    is_internal = serializers.BooleanField(help_text=SELLER_ONLY + "a note buyers never see.")

    class Meta:
        model = Comment
        fields = ["id", "task", "author", "body", "is_internal", "created_at"]
        extra_kwargs = {
            "body": {"help_text": "What it says."},
            "created_at": {"help_text": "When it was written."},
        }


class ResourceSerializer(SellerOnly, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="The resource's public id.")
    name = serializers.CharField(help_text="What the room shows: title, file name or link.")
    is_internal = serializers.BooleanField(help_text=SELLER_ONLY + "buyers never see it.")
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the file, or follow the link (recorded in the activity)."
    )

    class Meta:
        model = Resource
        fields = [
            "id", "kind", "name", "title", "url", "original_name", "content_type", "size",
            "is_internal", "position", "download_url", "created_at",
        ]  # fmt: skip
        extra_kwargs = {
            "kind": {"help_text": "A file or a link."},
            "title": {"help_text": "Its title, if it was given one."},
            "url": {"help_text": "A link's address; empty for a file."},
            "original_name": {"help_text": "A file's name as uploaded."},
            "content_type": {"help_text": "A file's type, read from its content."},
            "size": {"help_text": "A file's size in bytes."},
            "position": {"help_text": "Its place in the room's list."},
            "created_at": {"help_text": "When it was shared."},
        }

    def get_download_url(self, resource: Resource) -> str:
        room_id = self.context["access"].room.public_id
        return reverse("api:resource-download", args=[room_id, resource.public_id])


class TemplateSerializer(Out):
    id = serializers.CharField(help_text="A built-in key, or an organisation template's UUID.")
    name = serializers.CharField(help_text="Its name.")
    description = serializers.CharField(help_text="What it is for.")
    direction = serializers.CharField(help_text="`backward` from the target date, or `forward`.")
    organisation = serializers.UUIDField(
        allow_null=True, help_text="The organisation it belongs to; null: built in."
    )
    milestone_count = serializers.IntegerField(help_text="How many milestones it has.")
    task_count = serializers.IntegerField(help_text="How many tasks it has.")


class EventSerializer(Out, serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", help_text="Its public id (its idempotency key).")
    room = serializers.UUIDField(source="room.public_id", help_text="The room it happened in.")
    stakeholder = serializers.UUIDField(
        source="stakeholder.public_id",
        allow_null=True,
        default=None,
        help_text="The stakeholder who acted, when known (views by buyers).",
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "room",
            "kind",
            "actor_side",
            "stakeholder",
            "summary",
            "is_internal",
            "seconds",
            "starts_visit",
            "created_at",
        ]
        extra_kwargs = {
            "kind": {"help_text": "What happened, e.g. `task.completed` or `room.viewed`."},
            "actor_side": {"help_text": "`seller`, `buyer`, or empty for the system."},
            "summary": {"help_text": "A sentence saying what happened."},
            "is_internal": {"help_text": "Seen by sellers only."},
            "seconds": {"help_text": "For `room.time`: seconds the room page stayed visible."},
            "starts_visit": {
                "help_text": "A view with no view by the same person in the 30 minutes before."
            },
            "created_at": {"help_text": "When it happened."},
        }


class FigureProgressSerializer(Out):
    done = serializers.IntegerField(help_text="Tasks done.")
    total = serializers.IntegerField(help_text="Tasks in the plan.")
    overdue = serializers.IntegerField(help_text="Open tasks past their due date.")


HEALTH_STATES = ["on_track", "at_risk", "stalled", "closed"]  # analytics.health


class FigureHealthSerializer(Out):
    state = serializers.ChoiceField(choices=HEALTH_STATES, help_text="The room's health.")
    reason = serializers.CharField(help_text="Why, in words.")


class FigureForecastSerializer(Out):
    date = serializers.DateField(
        allow_null=True,
        help_text="When the plan finishes at its recent pace; null: too little data.",
    )
    slip_days = serializers.IntegerField(
        allow_null=True, help_text="Forecast minus target date in days (positive: late)."
    )
    summary = serializers.CharField(help_text="The forecast in words.")
    complete = serializers.BooleanField(help_text="Every task is done.")


class FigureEngagementSerializer(Out):
    visits_7 = serializers.IntegerField(help_text="Buyer visits in the last 7 days.")
    visits_30 = serializers.IntegerField(help_text="Buyer visits in the last 30 days.")
    visitors_7 = serializers.IntegerField(help_text="Buyers who visited in the last 7 days.")
    visitors_30 = serializers.IntegerField(help_text="Buyers who visited in the last 30 days.")
    last_activity = serializers.DateTimeField(
        allow_null=True, help_text="The last view or action by a buyer."
    )


class RoomFiguresSerializer(Out):
    """The dashboard's figures of one room (analytics.health has the rules)."""

    room = serializers.UUIDField(help_text="The room's public id.")
    target_date = serializers.DateField(help_text="The room's target date.")
    progress = FigureProgressSerializer(help_text="The plan's progress.")
    health = FigureHealthSerializer(help_text="Health and its reason.")
    forecast = FigureForecastSerializer(help_text="The plan-based forecast.")
    engagement = FigureEngagementSerializer(help_text="Buyer engagement.")
