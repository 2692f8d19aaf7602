"""The reminder sweep over 10,000 and 100,000 open tasks in PostgreSQL (issue 6).

Seeds (once; later runs reuse it) ten organisations in ten time zones, 1,000 rooms and 100,000
open tasks owned by sellers and invited buyers, with due dates spread from 60 days ago to 120
days ahead. Then it times one reminder sweep, the one beat starts every 15 minutes, at 12:00
UTC: it finds the due tasks and queues their notices and one email per person. It runs first
with 90,000 of the tasks closed (10,000 open), then with all 100,000 open, and counts the
queries of each: the count must not grow with the tasks. Handing the emails to Celery after
the commit is left out (no database work; a worker's job).

Runnable alone (``.venv/bin/python bench/reminders.py``) and from ``make bench`` (bench/run.py).
Writes its figures into var/bench.json under keys of its own, ``reminders_*``.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A database of its own: 100,000 tasks must not weigh on the other benches' pages.
os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_REMINDERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_bench_reminders"
    ),
)

from bench.run import ensure_database, figures_write, manage  # noqa: E402

TASKS = int(os.environ.get("BENCH_REMINDER_TASKS", "100000"))
SMALL = TASKS // 10

MEASURE = """
import datetime, json, time, zoneinfo
from unittest import mock
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from accounts.models import Membership, Organisation, User
from notifications import reminders
from notifications.models import Notice, SweepLock
from outbox.models import OutboundEmail
from plans.models import Milestone, Task
from rooms.models import Room
from stakeholders.models import Stakeholder

TASKS, SMALL = %(tasks)d, %(small)d
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
         "America/Los_Angeles", "Asia/Kolkata", "Europe/London", "America/Sao_Paulo", "Africa/Lagos"]
ROOMS_PER_ORG, PEOPLE_PER_ROOM = 100, 5
today = datetime.date.today()
NOW = datetime.datetime.combine(today, datetime.time(12, 0), tzinfo=datetime.UTC)

orgs = list(Organisation.objects.filter(name__startswith="Reminder bench").order_by("pk"))
bench_tasks = Task.objects.filter(organisation__in=orgs)
if not orgs or bench_tasks.count() != TASKS:
    with transaction.atomic():
        Organisation.objects.filter(name__startswith="Reminder bench").delete()
        per_room = TASKS // (len(ZONES) * ROOMS_PER_ORG)
        for n, zone in enumerate(ZONES):
            org = Organisation.objects.create(name=f"Reminder bench {n}", timezone=zone)
            seller = User.objects.create(email=f"seller{n}@bench-reminders.example",
                                         name=f"Seller {n}", password=make_password(None))
            Membership.objects.create(organisation=org, user=seller, role="admin")
            rooms = Room.objects.bulk_create([
                Room(organisation=org, owner=seller, buyer_company=f"Buyer {n}-{r}",
                     target_date=today + datetime.timedelta(days=90))
                for r in range(ROOMS_PER_ORG)])
            milestones = Milestone.objects.bulk_create([
                Milestone(organisation=org, room=room, title="Plan") for room in rooms])
            people = Stakeholder.objects.bulk_create([
                Stakeholder(organisation=org, room=room, side="seller" if p == 0 else "buyer",
                            name=f"Person {p}", access_state="active" if p == 0 else "invited",
                            email=(f"seller{n}@bench-reminders.example" if p == 0
                                   else f"buyer{p}-{n}-{r}@bench-buyer.example"))
                for r, room in enumerate(rooms) for p in range(PEOPLE_PER_ROOM)])
            tasks = []
            for r, (room, milestone) in enumerate(zip(rooms, milestones)):
                for t in range(per_room):
                    owner = people[r * PEOPLE_PER_ROOM + t %% PEOPLE_PER_ROOM]
                    tasks.append(Task(
                        organisation=org, room=room, milestone=milestone, title=f"Task {t}",
                        side=owner.side, owner=owner, position=t,
                        due_date=today + datetime.timedelta(days=(t * 7919 + r) %% 181 - 60)))
            Task.objects.bulk_create(tasks, batch_size=5000)
    orgs = list(Organisation.objects.filter(name__startswith="Reminder bench").order_by("pk"))
    bench_tasks = Task.objects.filter(organisation__in=orgs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def reset():
    Notice.objects.filter(stakeholder__organisation__in=orgs)._raw_delete("default")
    OutboundEmail.objects.filter(organisation__in=orgs, compose="reminders")._raw_delete("default")


def measure(open_tasks):
    reset()
    closed = bench_tasks.order_by("pk").values_list("pk", flat=True)[open_tasks:]
    Task.objects.filter(organisation__in=orgs).update(status="todo")
    if open_tasks < TASKS:
        Task.objects.filter(pk__in=list(closed)).update(status="done")
    SweepLock.objects.get_or_create(name="reminders")
    with connection.cursor() as cursor:  # fresh statistics after the bulk status changes
        cursor.execute("VACUUM ANALYZE plans_task")
    with mock.patch.object(reminders, "email_dispatch"), CaptureQueriesContext(connection) as q:
        started = time.perf_counter()
        found = reminders.reminders_sweep(now=NOW)
        seconds = time.perf_counter() - started
    emails = OutboundEmail.objects.filter(organisation__in=orgs, compose="reminders").count()
    return {"open_tasks": open_tasks, "seconds": round(seconds, 3), "queries": len(q),
            "reminders": found, "emails": emails}


results = [measure(SMALL), measure(TASKS)]
reset()
print("RESULTS " + json.dumps(results))
"""


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput")
    out = manage("shell", "-c", MEASURE % {"tasks": TASKS, "small": SMALL})
    small, large = json.loads(out.split("RESULTS ", 1)[1])
    print(f"{'open tasks':>12}{'seconds':>10}{'queries':>10}{'reminders':>11}{'emails':>9}")
    for run in (small, large):
        print(
            f"{run['open_tasks']:>12,}{run['seconds']:>10.3f}{run['queries']:>10}"
            f"{run['reminders']:>11,}{run['emails']:>9,}"
        )
    verdict = "the same" if small["queries"] == large["queries"] else "NOT the same"
    print(
        f"queries at {SMALL:,} and {TASKS:,} open tasks: {verdict} (aim: under 10 s at {TASKS:,})"
    )
    figures = {
        "reminders_sweep_seconds_10k": small["seconds"],
        "reminders_sweep_queries_10k": small["queries"],
        "reminders_sweep_seconds_100k": large["seconds"],
        "reminders_sweep_queries_100k": large["queries"],
        "reminders_sweep_reminders_100k": large["reminders"],
        "reminders_sweep_emails_100k": large["emails"],
    }
    figures_write(figures)


if __name__ == "__main__":
    main()
