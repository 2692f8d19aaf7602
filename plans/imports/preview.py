"""A table's rows as the plan they would make, before anything is saved: the header found, the
columns mapped (guessed from their words, corrected by the person), milestones and tasks, each
row's errors and warnings in words, and the owners matched to the room's people or to be
added. Pure: the table, the options and the people in; a Preview out."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from plans.imports.reading import MAX_CELL, MAX_ROWS, Cell, Table

# The canonical columns (the export's, in its order) and the fields they fill.
FIELDS = {
    "milestone": "Milestone",
    "milestone_date": "Milestone date",
    "task": "Task",
    "description": "Description",
    "owner": "Owner",
    "owner_email": "Owner email",
    "side": "Side",
    "due_date": "Due date",
    "status": "Status",
    "completed_on": "Completed on",
    "internal": "Internal",
}
# Header words of several conventions, English first; compared lower-cased, without
# punctuation. The first field whose words match a header takes its column.
HEADER_WORDS = {
    "milestone_date": ["milestone date", "milestone due", "phase date", "stage date"],
    "milestone": ["milestone", "phase", "stage", "step", "workstream", "section", "meilenstein"],
    "task": ["task", "action", "activity", "item", "to do", "todo", "deliverable", "aufgabe"],
    "description": ["description", "details", "notes", "note", "comments", "beschreibung"],
    "owner_email": ["owner email", "email", "e mail", "assignee email"],
    "owner": ["owner", "assignee", "assigned to", "responsible", "who", "person", "verantwortlich"],
    "side": ["side", "party", "team", "company"],
    "completed_on": ["completed on", "completed", "done on", "completion date", "finished"],
    "due_date": ["due date", "due", "deadline", "date", "target date", "when", "by", "end date"],
    "status": ["status", "state", "done", "progress", "complete", "%"],
    "internal": ["internal", "private", "seller only", "hidden"],
}
BUYER_WORDS = {"buyer", "customer", "client", "them", "they", "prospect", "buyer side"}
SELLER_WORDS = {"seller", "us", "we", "our team", "vendor", "supplier", "seller side"}
DONE_WORDS = {"done", "complete", "completed", "closed", "finished", "yes", "y", "x", "✓", "✔"}
DONE_WORDS |= {"☑", "✅", "true", "1", "100%"}
PROGRESS_WORDS = {"in progress", "started", "doing", "ongoing", "wip", "underway", "in review"}
BLOCKED_WORDS = {"blocked", "stuck", "on hold", "waiting", "at risk"}
TODO_WORDS = {"", "to do", "todo", "not started", "open", "new", "pending", "planned", "no"}
TODO_WORDS |= {"n", "false", "0", "0%", "-", "☐"}
YES_WORDS = {"yes", "y", "x", "true", "1", "internal", "✓", "✔"}
MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)}
EXCEL_EPOCH = date(1899, 12, 30)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Person:
    """Someone a row's owner may be: a person in the room, or a member of the organisation
    (``key`` says which: ``stakeholder:<id>`` or ``member:<id>``)."""

    key: str
    name: str
    email: str
    side: str


@dataclass
class Owner:
    """An owner as written, and who they will be: an existing person, or new on a side."""

    label: str
    email: str
    side: str
    person: Person | None = None

    @property
    def is_new(self) -> bool:
        return self.person is None


@dataclass
class TaskRow:
    row: int
    title: str
    description: str = ""
    side: str = "seller"
    owner: Owner | None = None
    due_date: date | None = None
    status: str = "todo"
    completed_on: date | None = None
    internal: bool = False


@dataclass
class MilestoneRow:
    row: int
    title: str
    target_date: date | None = None
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass
class Message:
    row: int  # as the spreadsheet numbers it; 0 for the file as a whole
    text: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.text}" if self.row else self.text


@dataclass
class Preview:
    header_row: int
    headers: list[str]
    mapping: dict[str, int | None]
    milestones: list[MilestoneRow] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return sum(len(m.tasks) for m in self.milestones)

    @property
    def new_owners(self) -> list[Owner]:
        return [o for o in self.owners if o.is_new]


def _words(text: str) -> str:
    return re.sub(r"[^\w%]+", " ", text.lower()).strip()


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Each field's column by its header's words: exact words first, then a header that
    contains them; a column serves one field."""
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    taken: set[int] = set()
    cleaned = [_words(h) for h in headers]
    for exact in (True, False):
        for name, words in HEADER_WORDS.items():
            if mapping[name] is not None:
                continue
            for i, header in enumerate(cleaned):
                if i in taken or not header:
                    continue
                hit = (
                    header in words if exact else any(re.search(rf"\b{w}\b", header) for w in words)
                )
                if hit:
                    mapping[name] = i
                    taken.add(i)
                    break
    return mapping


def find_header(rows: list[list[Cell]]) -> int:
    """The index of the header row: the first of the first 20 that names a task column and
    one other field, else the first row with two filled cells (title rows are skipped)."""
    for i, row in enumerate(rows[:20]):
        mapping = guess_mapping([_text(c) for c in row])
        if mapping["task"] is not None and sum(v is not None for v in mapping.values()) >= 2:
            return i
    for i, row in enumerate(rows[:20]):
        if sum(bool(_text(c)) for c in row) >= 2:
            return i
    return 0


def parse_date(value: Cell, order: str) -> tuple[date | None, str]:
    """A cell as a date, and a warning or error in words: ``("", ...)`` when fine, an error
    starting ``!`` when not a date, else a warning (an ambiguous day and month)."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    if isinstance(value, int | float):
        return _serial(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial(float(text))
    try:
        if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", text):
            return date(int(m[1]), int(m[2]), int(m[3])), ""
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})", text):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            year += 2000 if year < 100 else 0
            day, month = (a, b) if order == "dmy" else (b, a)
            if month > 12 and day <= 12:  # written in the other order: unambiguous anyway
                day, month = month, day
            found = date(year, month, day)
            if a <= 12 and b <= 12 and a != b:
                said = "day/month" if order == "dmy" else "month/day"
                read = f"{found.day} {found:%B %Y}"
                return found, f"“{text}” read as {read} ({said}, as the organisation writes dates)"
            return found, ""
        if m := re.fullmatch(r"(\d{1,2})\.? ?([A-Za-z]{3})[a-z]*\.?,? (\d{4})", text):
            return date(int(m[3]), MONTHS[m[2].lower()], int(m[1])), ""
        if m := re.fullmatch(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})", text):
            return date(int(m[3]), MONTHS[m[1].lower()], int(m[2])), ""
    except (ValueError, KeyError):
        pass
    return None, f"!“{text[:40]}” is not a date"


def _serial(number: float) -> tuple[date | None, str]:
    # Excel's day numbers (1900 system) of 1955 to 2118: anything else is not a date here.
    if 20000 <= number <= 80000:
        return EXCEL_EPOCH + timedelta(days=int(number)), ""
    return None, f"!“{_text(number)}” is not a date"


def parse_status(value: Cell) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A percentage cell holds a fraction (1.0 is 100%); a bare number is a percentage.
        share = value if 0 <= value <= 1 else value / 100
        if share >= 1:
            return "done"
        return "in_progress" if share > 0 else "todo"
    words = _words(_text(value)) if _text(value) not in DONE_WORDS | TODO_WORDS else _text(value)
    words = words.lower()
    if words in DONE_WORDS:
        return "done"
    if words in TODO_WORDS:
        return "todo"
    if words in PROGRESS_WORDS:
        return "in_progress"
    if words in BLOCKED_WORDS:
        return "blocked"
    if m := re.fullmatch(r"(\d{1,3}) ?%?", words):
        return parse_status(int(m[1]) / 100)
    return None


def _side_word(text: str) -> str | None:
    words = _words(text)
    if words in BUYER_WORDS:
        return "buyer"
    if words in SELLER_WORDS:
        return "seller"
    return None


class _Owners:
    """Owners matched by email, then by name, to people; unmatched ones gathered once each."""

    def __init__(self, people: list[Person]) -> None:
        self.by_email: dict[str, Person] = {}
        self.by_name: dict[str, Person] = {}
        for p in people:
            # A person in the room first; a member only when nobody in the room is them.
            if p.email:
                self.by_email.setdefault(p.email.lower(), p)
            self.by_name.setdefault(p.name.lower(), p)
        self.found: dict[str, Owner] = {}

    def get(self, name: str, email: str, side: str | None) -> Owner:
        email = email.lower()
        if not email and EMAIL.fullmatch(name):
            name, email = "", name.lower()
        person = self.by_email.get(email) if email else None
        if person is None and name and not email:
            person = self.by_name.get(name.lower())
        key = person.key if person else (email or name.lower())
        if key in self.found:
            return self.found[key]
        if person is not None:
            owner = Owner(label=person.name, email=person.email, side=person.side, person=person)
        else:
            label = name or email.split("@")[0].replace(".", " ").title()
            owner = Owner(label=label, email=email, side=side or "buyer")
        self.found[key] = owner
        return owner


def build_preview(
    table: Table,
    *,
    date_order: str = "dmy",
    mapping: dict[str, int | None] | None = None,
    people: list[Person] | None = None,
    for_template: bool = False,
) -> Preview:
    rows = table.rows
    header_at = find_header(rows)
    headers = [_text(c) for c in rows[header_at]] if rows else []
    chosen = guess_mapping(headers)
    if mapping is not None:
        chosen = {name: mapping.get(name) for name in FIELDS}
    preview = Preview(header_row=header_at + 1, headers=headers, mapping=chosen)
    if chosen["task"] is None and chosen["milestone"] is None:
        preview.errors.append(Message(0, "Choose which column holds the tasks."))
        return preview
    owners = _Owners(people or [])
    milestones: dict[str, MilestoneRow] = {}
    current: MilestoneRow | None = None
    data_rows = 0

    def cell(row: list[Cell], name: str) -> Cell:
        i = chosen[name]
        return row[i] if i is not None and i < len(row) else None

    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(_text(c) for c in row):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            preview.errors.append(
                Message(number, f"more than {MAX_ROWS:,} rows: split the file in two.")
            )
            break
        long = [i for i, c in enumerate(row) if len(_text(c)) > MAX_CELL]
        if long:
            column = headers[long[0]] if long[0] < len(headers) else f"column {long[0] + 1}"
            preview.errors.append(
                Message(number, f"“{column}” is longer than {MAX_CELL:,} characters.")
            )
            continue

        def err(text: str, number: int = number) -> None:
            preview.errors.append(Message(number, text))

        def warn(text: str, number: int = number) -> None:
            preview.warnings.append(Message(number, text))

        def day(name: str, row: list[Cell] = row) -> date | None:
            found, said = parse_date(cell(row, name), date_order)
            if said.startswith("!"):
                err(said[1:])
            elif said:
                warn(said)
            return found

        title = _text(cell(row, "task"))
        milestone_title = _text(cell(row, "milestone"))
        if milestone_title:
            if len(milestone_title) > 200:
                err("the milestone's name is longer than 200 characters.")
                continue
            current = milestones.get(milestone_title.lower())
            if current is None:
                current = MilestoneRow(row=number, title=milestone_title)
                milestones[milestone_title.lower()] = current
                preview.milestones.append(current)
            target = day("milestone_date")
            if target is not None:
                current.target_date = target
        if not title:
            if not milestone_title:
                warn("no task and no milestone: the row is left out.")
            continue
        if len(title) > 200:
            err("the task's name is longer than 200 characters.")
            continue
        if current is None:
            current = MilestoneRow(row=number, title="Plan")
            milestones["plan"] = current
            preview.milestones.append(current)
            warn("a task before any milestone: it goes under a milestone named “Plan”.")
        task = TaskRow(row=number, title=title, description=_text(cell(row, "description")))
        side_text = _text(cell(row, "side"))
        side = _side_word(side_text) if side_text else None
        if side_text and side is None:
            warn(f"“{side_text}” is not a side (Buyer or Seller).")
        owner_text = _text(cell(row, "owner"))
        owner_email = _text(cell(row, "owner_email"))
        if owner_text and _side_word(owner_text) and not owner_email:
            side = side or _side_word(owner_text)
        elif (owner_text or owner_email) and not for_template:
            if owner_email and not EMAIL.fullmatch(owner_email):
                err(f"“{owner_email}” is not an email address.")
                owner_email = ""
            owner = owners.get(owner_text, owner_email, side)
            if len(owner.email) > 254:
                err("the owner's email address is longer than 254 characters.")
                continue
            if owner.is_new and owner.side == "seller":
                # The seller's side is the organisation's members: nobody else is added there.
                warn(f"{owner.label} is not a member of the organisation: the task is unassigned.")
            else:
                task.owner = owner
                if side and owner.side != side:
                    warn(f"{owner.label} is on the {owner.side}'s side, not the {side}'s.")
                side = owner.side
        task.side = side or "seller"
        task.due_date = day("due_date")
        status_cell = cell(row, "status")
        status = parse_status(status_cell)
        if status is None:
            warn(f"“{_text(status_cell)[:40]}” is not a status: the task is to do.")
            status = "todo"
        task.completed_on = day("completed_on")
        if task.completed_on is not None and chosen["status"] is None:
            status = "done"
        if for_template and status != "todo":
            status = "todo"
        task.status = status
        internal = _words(_text(cell(row, "internal")))
        task.internal = internal in YES_WORDS
        if task.internal and task.side == "buyer":
            err("a buyer's task cannot be internal: buyers would never see their own work.")
        current.tasks.append(task)
    used = {id(t.owner) for m in preview.milestones for t in m.tasks if t.owner}
    preview.owners = [o for o in owners.found.values() if id(o) in used]
    if not preview.milestones and not preview.errors:
        preview.errors.append(Message(0, "The file has no tasks under its header row."))
    return preview
