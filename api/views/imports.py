"""Import a plan from a spreadsheet into a room or an organisation template: the preview with
``dry_run``, else the import (plans.imports). Its serializers are here: nothing else uses them."""

from dataclasses import asdict
from uuid import UUID

from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Side
from api.serializers import Strict
from api.views.base import RoomViewSet
from plans.imports.forms import DELIMITER_BY_NAME
from plans.imports.preview import FIELDS, Preview
from plans.imports.reading import ENCODINGS, MAX_BYTES
from plans.imports.services import ImportOptions, ImportResult, plan_import, plan_import_preview
from plans.models import Status
from rooms.uploads import SizeLimitHandler


class ImportWriteSerializer(Strict):
    file = serializers.FileField(help_text=f"CSV or XLSX, up to {MAX_BYTES // 2**20} MB.")
    dry_run = serializers.BooleanField(
        default=False, help_text="Only preview: what would be created, and each row's errors."
    )
    encoding = serializers.ChoiceField(
        choices=[("", "guess"), *ENCODINGS], default="", help_text="A CSV's; guessed if empty."
    )
    delimiter = serializers.ChoiceField(
        choices=[("", "guess"), *DELIMITER_BY_NAME],
        default="",
        help_text="A CSV's; guessed if empty.",
    )
    sheet = serializers.CharField(
        default="", allow_blank=True, max_length=100, help_text="An XLSX's; the first if empty."
    )

    def get_fields(self):
        fields = super().get_fields()
        for name, label in FIELDS.items():
            fields[f"column_{name}"] = serializers.IntegerField(
                required=False,
                allow_null=True,
                min_value=0,
                max_value=1000,
                help_text=f"The column (from 0) of “{label}”. Give any to replace the guess.",
            )
        return fields


class ImportTaskSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row in the spreadsheet.")
    title = serializers.CharField(help_text="The task.")
    description = serializers.CharField(help_text="Its description, or empty.")
    side = serializers.ChoiceField(choices=Side.choices, help_text="Who does it.")
    owner = serializers.CharField(allow_null=True, help_text="The owner as they will be named.")
    due_date = serializers.DateField(allow_null=True, help_text="When it is due, if said.")
    status = serializers.ChoiceField(choices=Status.choices, help_text="Its status.")
    completed_on = serializers.DateField(allow_null=True, help_text="When it was done, if said.")
    internal = serializers.BooleanField(help_text="Seller-only: buyers never see it.")


class ImportMilestoneSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row where it is first named.")
    title = serializers.CharField(help_text="The milestone.")
    target_date = serializers.DateField(allow_null=True, help_text="Its date, if said.")
    tasks = ImportTaskSerializer(many=True, help_text="Its tasks, in the file's order.")


class ImportOwnerSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="As written in the file, or the matched name.")
    email = serializers.CharField(help_text="Their address, if known.")
    side = serializers.ChoiceField(choices=Side.choices, help_text="The side they are on.")
    is_new = serializers.BooleanField(help_text="Added to the room as a new person.")


class ImportMessageSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The spreadsheet's row; 0 for the whole file.")
    message = serializers.CharField(help_text="What is wrong, or worth checking, in words.")


class ImportPreviewSerializer(serializers.Serializer):
    imported = serializers.BooleanField(help_text="False for a dry run or a refused import.")
    header_row = serializers.IntegerField(help_text="The row taken for the header.")
    headers = serializers.ListField(
        child=serializers.CharField(), help_text="The header's cells, column by column."
    )
    mapping = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Each field's column (from 0), or null.",
    )
    milestones = ImportMilestoneSerializer(many=True, help_text="The plan as it will be made.")
    owners = ImportOwnerSerializer(many=True, help_text="The owners and who they will be.")
    errors = ImportMessageSerializer(many=True, help_text="What must be fixed first.")
    warnings = ImportMessageSerializer(many=True, help_text="What to check.")


def preview_data(preview: Preview, imported: bool) -> dict:
    def task(t) -> dict:
        row = asdict(t)
        row["owner"] = t.owner.person.name if t.owner and t.owner.person else None
        if t.owner and not t.owner.person:
            row["owner"] = t.owner.label
        return row

    return {
        "imported": imported,
        "header_row": preview.header_row,
        "headers": preview.headers,
        "mapping": preview.mapping,
        "milestones": [
            {
                "row": m.row,
                "title": m.title,
                "target_date": m.target_date,
                "tasks": [task(t) for t in m.tasks],
            }
            for m in preview.milestones
        ],
        "owners": [
            {"label": o.label, "email": o.email, "side": o.side, "is_new": o.is_new}
            for o in preview.owners
        ],
        "errors": [{"row": m.row, "message": m.text} for m in preview.errors],
        "warnings": [{"row": m.row, "message": m.text} for m in preview.warnings],
    }


class PlanImportViewSet(RoomViewSet):
    templates_too = True
    serializer_class = ImportPreviewSerializer

    def get_parsers(self):
        return [MultiPartParser()]

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        # The size limit applies while the file streams in (rooms.uploads), before anything.
        self.size_limit = SizeLimitHandler(request, limit=MAX_BYTES)
        request.upload_handlers = [self.size_limit, *request.upload_handlers]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        summary="Import a plan from a CSV or XLSX file, or preview it (sellers; multipart)",
        description=(
            "Appends the file's milestones and tasks to the room's (or template's) plan in one "
            "transaction, adding owners nobody matched as new buyers. With `dry_run` nothing is "
            "saved: the answer is the preview, with each row's errors and warnings. A file with "
            "an error in its rows is refused (422) with the same preview; a file that cannot be "
            "read at all is a field error (400)."
        ),
        request={"multipart/form-data": ImportWriteSerializer},
        responses={
            200: ImportPreviewSerializer,
            201: ImportPreviewSerializer,
            422: ImportPreviewSerializer,
        },
    )
    def create(self, request: Request, room_id: UUID) -> Response:
        access = self.access
        access.require_seller()
        if self.size_limit.too_big:
            raise serializers.ValidationError(
                {"file": [f"The file is over {MAX_BYTES // 2**20} MB: split it in two."]}
            )
        data = self.input(ImportWriteSerializer)
        columns = {name: data.get(f"column_{name}") for name in FIELDS}
        options = ImportOptions(
            encoding=data["encoding"],
            delimiter=DELIMITER_BY_NAME.get(data["delimiter"], ""),
            sheet=data["sheet"],
            mapping=columns if any(f"column_{n}" in data for n in FIELDS) else None,
        )
        upload = data["file"]
        content, filename = upload.read(), upload.name or "plan"
        result: ImportResult = plan_import_preview(
            by=access, data=content, filename=filename, options=options
        )
        if data["dry_run"]:
            return Response(preview_data(result.preview, imported=False))
        if result.preview.errors:
            body = preview_data(result.preview, imported=False)
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        result = plan_import(by=access, data=content, filename=filename, options=options)
        return Response(preview_data(result.preview, imported=True), status=status.HTTP_201_CREATED)
