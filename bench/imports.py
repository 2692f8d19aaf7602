"""Importing a 2,000-row XLSX plan in PostgreSQL (issue 15): the preview (read, map, match the
owners; nothing saved) and the import (one transaction, in bulk), timed, their queries counted,
and the same at 200 rows: the counts must not grow with the rows. Aim: the preview under 2 s.

Runnable alone (``.venv/bin/python bench/imports.py``) and from ``make bench``. Writes its
figures into var/bench.json under keys of its own, ``import_*``.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_IMPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_bench_imports"
    ),
)

from bench.run import ensure_database, figures_write, manage  # noqa: E402

MEASURE = """
import datetime, io, json, time
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook
from accounts.models import Membership, Organisation, User
from plans.imports.services import ImportOptions, plan_import, plan_import_preview
from rooms.access import room_access_for
from rooms.services import room_create

Organisation.objects.filter(name="Import bench").delete()
User.objects.filter(email="seller@bench-imports.example").delete()
org = Organisation.objects.create(name="Import bench")
seller = User.objects.create(email="seller@bench-imports.example", name="Sam Seller",
                             password=make_password(None))
membership = Membership.objects.create(organisation=org, user=seller, role="admin")
start = datetime.date(2027, 1, 4)


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["Globex mutual action plan"])
    sheet.append(["Milestone", "Milestone date", "Task", "Description", "Owner", "Owner email",
                  "Side", "Due date", "Status", "Completed on", "Internal"])
    for i in range(rows):
        buyer = i % 3 != 0
        who = i % 40
        sheet.append([
            f"Milestone {i // 100 + 1}", start + datetime.timedelta(days=7 * (i // 100 + 1)),
            f"Task {i + 1}", "Agree it, sign it, file it.",
            f"Buyer {who}" if buyer else "Sam Seller",
            f"buyer{who}@globex.example" if buyer else "seller@bench-imports.example",
            "Buyer" if buyer else "Seller", start + datetime.timedelta(days=i % 300),
            ["To do", "In progress", "Blocked", "Done"][i % 4],
            start + datetime.timedelta(days=i % 300) if i % 4 == 3 else None,
            "Yes" if not buyer and i % 5 == 0 else None,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(rows):
    room = room_create(membership=membership, buyer_company=f"Globex {rows}",
                       target_date=datetime.date(2027, 12, 31))
    by = room_access_for(seller, room)
    data = workbook(rows)
    with CaptureQueriesContext(connection) as q:
        started = time.perf_counter()
        result = plan_import_preview(by=by, data=data, filename="plan.xlsx",
                                     options=ImportOptions())
        preview_seconds = time.perf_counter() - started
    preview_queries = len(q)
    assert not result.preview.errors, result.preview.errors[:3]
    with CaptureQueriesContext(connection) as q:
        started = time.perf_counter()
        result = plan_import(by=by, data=data, filename="plan.xlsx", options=ImportOptions())
        import_seconds = time.perf_counter() - started
    assert len(result.tasks) == rows
    return {"rows": rows, "bytes": len(data), "preview_seconds": round(preview_seconds, 3),
            "preview_queries": preview_queries, "import_seconds": round(import_seconds, 3),
            "import_queries": len(q), "people": len(result.people)}


results = [measure(200), measure(2000)]
Organisation.objects.filter(name="Import bench").delete()
print("RESULTS " + json.dumps(results))
"""


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput")
    out = manage("shell", "-c", MEASURE)
    small, large = json.loads(out.split("RESULTS ", 1)[1])
    print(f"{'rows':>6}{'bytes':>9}{'preview s':>11}{'queries':>9}{'import s':>10}{'queries':>9}")
    for run in (small, large):
        print(
            f"{run['rows']:>6,}{run['bytes']:>9,}{run['preview_seconds']:>11.3f}"
            f"{run['preview_queries']:>9}{run['import_seconds']:>10.3f}{run['import_queries']:>9}"
        )
    same = (small["preview_queries"], small["import_queries"]) == (
        large["preview_queries"],
        large["import_queries"],
    )
    print(
        f"queries at 200 and 2,000 rows: {'the same' if same else 'NOT the same'}; "
        f"preview of 2,000 rows in {large['preview_seconds']:.2f} s (aim: under 2 s)"
    )
    figures = {
        "import_preview_seconds_2000": large["preview_seconds"],
        "import_preview_queries_2000": large["preview_queries"],
        "import_seconds_2000": large["import_seconds"],
        "import_queries_2000": large["import_queries"],
        "import_preview_queries_200": small["preview_queries"],
        "import_queries_200": small["import_queries"],
    }
    figures_write(figures)


if __name__ == "__main__":
    main()
