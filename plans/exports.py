"""A room's plan (or a template's) as a spreadsheet, CSV or XLSX: what the person sees of it.

The first sheet (the whole CSV) is the shared import/export format: one header row, then one
row per task (a milestone with no task: one row with Task empty), the milestone repeated on
each of its tasks' rows. A buyer's export is built from the buyer's access, so it holds no
internal task and has no ``Internal`` column. XLSX adds a "Progress" sheet: the plan's progress
and each milestone's, as the room page counts them.

Every text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with a single quote, as OWASP recommends for CSV
injection; in XLSX the cell is also written as a string, never a formula.

Pure: an access in, rows or bytes out (the faces wrap them in a response: plans.downloads).
"""

import csv
import io
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import date
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.models import Side
from plans.models import Task
from plans.selectors import Progress
from plans.templatetags.plan_tags import offset_from
from rooms.access import RoomAccess
from stakeholders.models import Stakeholder

Kind = Literal["csv", "xlsx"]
Cell = str | date | None

HEADER = [
    "Milestone",
    "Milestone date",
    "Task",
    "Description",
    "Owner",
    "Owner email",
    "Side",
    "Due date",
    "Status",
    "Completed on",
    "Internal",
]
PROGRESS_HEADER = ["Milestone", "Done", "Total", "Percent"]
WHOLE_PLAN = "Whole plan"

# What a spreadsheet starts a formula with (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 10, 60
BOLD = Font(bold=True)


@dataclass(frozen=True)
class PlanExport:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    progress: list[tuple[str, Progress]]  # the whole plan first, then each milestone


def neutralised(value: Cell) -> Cell:
    """A text cell a spreadsheet cannot run: a would-be formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def plan_export(access: RoomAccess) -> PlanExport:
    """The plan as the person sees it. Queries: milestones, tasks with their owners."""
    room = access.room
    with_internal = access.is_seller
    zone = zoneinfo.ZoneInfo(room.organisation.timezone or "UTC")

    def shown(day: date | None) -> Cell:
        # A template's dates stand for offsets from a date it does not have yet (T−14 before
        # the target date, Day 5 after the start): no calendar date is right, so its date
        # columns hold the offset as text, as the template's page shows it.
        if day is None:
            return None
        return offset_from(day, room) if room.is_template else day

    tasks_by_milestone: dict[int, list[Task]] = {}
    for task in access.tasks().select_related("owner").order_by("position", "pk"):
        tasks_by_milestone.setdefault(task.milestone_id, []).append(task)

    header = HEADER if with_internal else HEADER[:-1]
    rows: list[list[Cell]] = []
    plan = Progress()
    progress: list[tuple[str, Progress]] = [(WHOLE_PLAN, plan)]
    for milestone in room.milestones.all():
        tasks = tasks_by_milestone.get(milestone.pk, [])
        done = sum(task.is_done for task in tasks)
        progress.append((milestone.title, Progress(done=done, total=len(tasks))))
        plan.done += done
        plan.total += len(tasks)
        head: list[Cell] = [milestone.title, shown(milestone.target_date)]
        if not tasks:
            rows.append(head + [None] * (len(header) - len(head)))
        for task in tasks:
            owner = task.owner
            completed = task.completed_at.astimezone(zone).date() if task.completed_at else None
            row = [
                *head,
                task.title,
                task.description or None,
                owner.name if owner else None,
                _owner_email(owner, with_internal),
                task.get_side_display(),
                shown(task.due_date),
                task.get_status_display(),
                completed,
            ]
            if with_internal:
                row.append("Yes" if task.is_internal else None)
            rows.append(row)
    return PlanExport(title=room.title, header=header, rows=rows, progress=progress)


def _owner_email(owner: Stakeholder | None, seller: bool) -> str | None:
    """A buyer sees no seller's address (neither the room page nor the API shows one)."""
    if owner is None or (not seller and owner.side == Side.SELLER):
        return None
    return owner.email or None


def plan_csv(export: PlanExport) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads it as UTF-8; dates ISO."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export.header)
    for row in export.rows:
        writer.writerow(_csv_text(cell) for cell in row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return str(neutralised(cell))


def plan_xlsx(export: PlanExport) -> bytes:
    """The plan on the first sheet (real date cells), the progress on a second."""
    book = Workbook()
    plan = book.active
    plan.title = "Plan"
    _write(plan, [export.header, *export.rows])
    plan.freeze_panes = "A2"
    sheet = book.create_sheet("Progress")
    progress_rows: list[list[Cell | int | float]] = [
        [title, p.done, p.total, p.percent / 100] for title, p in export.progress
    ]
    _write(sheet, [PROGRESS_HEADER, *progress_rows])
    for (cell,) in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet, rows: list) -> None:
    widths: dict[int, int] = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                # openpyxl refuses control characters (taken out first, so that none hides a
                # would-be formula from neutralised); and a string is set as a string, so that
                # even an unprefixed "=" could never become a formula.
                cell.value = neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"
                width = max(len(line) for line in cell.value.splitlines() or [""])
            else:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = DATE_FORMAT
                width = len(DATE_FORMAT) if isinstance(value, date) else len(str(value))
            widths[c] = max(widths.get(c, 0), width)
    for c, width in widths.items():
        sheet.column_dimensions[get_column_letter(c)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    for cell in sheet[1]:
        cell.font = BOLD


def export_bytes(access: RoomAccess, kind: Kind) -> bytes:
    export = plan_export(access)
    return plan_csv(export) if kind == "csv" else plan_xlsx(export)


def export_filename(access: RoomAccess, kind: Kind) -> str:
    """``<buyer company> plan.csv`` (a template: its name), safe as a file name anywhere: no
    path separator, quote or control character; letters of any alphabet are kept."""
    room = access.room
    name = room.name if room.is_template else room.buyer_company
    name = re.sub(r"[^\w.&()-]+", " ", unicodedata.normalize("NFC", name))
    name = re.sub(r" {2,}", " ", name).strip(" .-") or "Tandem"
    suffix = "template" if room.is_template else "plan"
    return f"{name[:80]} {suffix}.{kind}"
