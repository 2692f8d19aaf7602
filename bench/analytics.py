"""make bench, analytics part: the dashboard on 500 rooms and 1,000,000 events, the cost of
recording a view on the room page, and the rate at which a real Celery worker stores events.

The seed is written once into the bench database (PostgreSQL): rooms, tasks and buyers through
bulk inserts, the million events in one INSERT ... SELECT over generate_series, then the rollups
rebuilt by the same code the workers run (analytics.rollups).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_ORG = "Dashboard Bench Org"
ROOMS = 500
EVENTS = 1_000_000
BUYERS_PER_ROOM = 3
TASKS_PER_ROOM = 16
STORE_EVENTS = 20_000

SEED = f"""
import datetime, random
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from accounts.models import Membership, Organisation, Role, User
from accounts.services import organisation_create, user_create_verified
from activity.models import Event
from analytics.rollups import rollup_rebuild
from plans.models import Milestone, Task
from rooms.models import Room
from stakeholders.models import Stakeholder

manager = User.objects.filter(email="dash-manager@bench.example").first()
if manager is None:
    manager = user_create_verified(email="dash-manager@bench.example", password="bench-password-1")
    organisation_create(name="{DASHBOARD_ORG}", creator=manager)
org = Organisation.objects.get(name="{DASHBOARD_ORG}")
if not Room.objects.filter(organisation=org).exists():
    rng = random.Random(5)
    today = timezone.localdate()
    now = timezone.now()
    reps = [User(email=f"dash-rep{{i}}@bench.example", name=f"Rep {{i}}", password="!")
            for i in range(10)]
    User.objects.bulk_create(reps)
    reps = list(User.objects.filter(email__startswith="dash-rep"))
    Membership.objects.bulk_create([Membership(organisation=org, user=u, role=Role.REP) for u in reps])
    rooms = Room.objects.bulk_create([
        Room(organisation=org, owner=reps[i % 10], buyer_company=f"Company {{i:03}}",
             stage="active" if i % 10 else ("won" if i % 20 else "lost"),
             start_date=today - datetime.timedelta(days=30 + i % 60),
             target_date=today + datetime.timedelta(days=(i % 120) - 20))
        for i in range({ROOMS})
    ])
    milestones = Milestone.objects.bulk_create([
        Milestone(organisation=org, room=room, title="Plan", position=0) for room in rooms
    ])
    tasks = []
    for room, milestone in zip(rooms, milestones):
        for t in range({TASKS_PER_ROOM}):
            done = rng.random() < 0.4
            tasks.append(Task(
                organisation=org, room=room, milestone=milestone, title=f"Task {{t}}",
                side="buyer" if t % 2 else "seller", position=t,
                status="done" if done else "todo",
                completed_at=now - datetime.timedelta(days=rng.randint(0, 40)) if done else None,
                due_date=today + datetime.timedelta(days=rng.randint(-15, 60)),
            ))
    Task.objects.bulk_create(tasks, batch_size=2000)
    buyers = User.objects.bulk_create([
        User(email=f"dash-buyer{{r}}-{{b}}@buyer.example", name=f"Buyer {{r}}-{{b}}", password="!")
        for r in range({ROOMS}) for b in range({BUYERS_PER_ROOM})
    ], batch_size=2000)
    buyers = {{u.email: u for u in User.objects.filter(email__startswith="dash-buyer")}}
    Stakeholder.objects.bulk_create([
        Stakeholder(organisation=org, room=room, side="buyer", name=f"Buyer {{r}}-{{b}}",
                    email=f"dash-buyer{{r}}-{{b}}@buyer.example", access_state="active",
                    user=buyers[f"dash-buyer{{r}}-{{b}}@buyer.example"],
                    invited_at=now - datetime.timedelta(days=60))
        for r, room in enumerate(rooms) for b in range({BUYERS_PER_ROOM})
    ], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_buyers AS SELECT row_number() OVER (ORDER BY id) - 1 AS n,"
            " room_id, user_id, id AS stakeholder_id FROM stakeholders_stakeholder"
            " WHERE organisation_id = %s", [org.pk])
        cursor.execute("SELECT count(*) FROM bench_buyers")
        people = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO analytics_event (public_id, organisation_id, room_id, actor_id,"
            " actor_side, stakeholder_id, kind, summary, is_internal, data, seconds, starts_visit,"
            " created_at, stored_at)"
            " SELECT gen_random_uuid(), %s, b.room_id, b.user_id, 'buyer', b.stakeholder_id,"
            "  (ARRAY['room.viewed','task.viewed','room.time','task.completed'])[1 + (g / 7) %% 4],"
            "  'bench', false, '{{}}'::jsonb, CASE WHEN (g / 7) %% 4 = 2 THEN 30 + g %% 300 ELSE 0 END,"
            "  (g / 7) %% 4 = 0, t, t"
            " FROM generate_series(1, %s) AS g"
            " JOIN bench_buyers b ON b.n = g %% %s"
            " CROSS JOIN LATERAL (SELECT now() - (g::float / %s) * interval '90 days') AS x(t)",
            [org.pk, {EVENTS}, people, {EVENTS}])
        cursor.execute("ANALYZE")
    rollup_rebuild(today - datetime.timedelta(days=91), today)
    with connection.cursor() as cursor:
        for table in ("analytics_dailyactivity", "analytics_weeklyactivity"):
            cursor.execute(f"VACUUM ANALYZE {{table}}")  # autovacuum's job, done now
assert Event.objects.filter(organisation=org).count() >= {EVENTS}
assert Room.objects.filter(organisation=org).count() == {ROOMS}
client = Client()
client.force_login(manager)
print("COOKIE", client.cookies["sessionid"].value)
"""  # noqa: S608 - our own constants, no user input

QUERIES = """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(User.objects.get(email="dash-manager@bench.example"))
client.get("/dashboard/")
for query in ("?stage=any", "?stage=any&owner=" + str(User.objects.get(email="dash-rep0@bench.example").public_id)):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/dashboard/" + query)
    assert response.status_code == 200
    print("QUERIES", query, len(captured), response.content.decode().count("<tr>") - 1)
"""


def shell(env: dict, code: str, timeout: int = 1800) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout


def seed_dashboard(env: dict) -> str:
    started = time.monotonic()
    out = shell(env, SEED)
    print(f"dashboard seed ready in {time.monotonic() - started:.0f} s")
    return re.search(r"^COOKIE (\S+)$", out, re.M).group(1)


def dashboard_queries(env: dict) -> dict[str, int]:
    out = shell(env, QUERIES)
    found = re.findall(r"^QUERIES (\S+) (\d+) (\d+)$", out, re.M)
    (_, every, every_rows), (_, one_owner, owner_rows) = found
    return {
        "dashboard_queries_500_rooms": int(every),
        "dashboard_rows_all": int(every_rows),
        "dashboard_queries_one_owner": int(one_owner),
        "dashboard_rows_one_owner": int(owner_rows),
    }


def alternate(wrk, urls: dict[str, str], cookie: str, rounds: int = 3) -> dict[str, float]:
    """Median p50 of each URL over rounds run in turn, so that the machine's noise is shared."""
    p50s: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            p50s[name].append(wrk(url, cookie)["p50_ms"])
    return {name: statistics.median(values) for name, values in p50s.items()}


def store_rate(env: dict) -> dict[str, float]:
    """Buffer STORE_EVENTS views as pages do (activity.buffer), then let a real worker drain
    them into PostgreSQL (one drain at a time, by design)."""
    queue = "bench-events"
    code = f"""
import datetime, json, uuid
from django.conf import settings
from django.utils import timezone
from activity.buffer import _key, client
from activity.models import Event
from stakeholders.models import Stakeholder
Event.objects.filter(summary="bench-store").delete()
people = list(Stakeholder.objects.filter(organisation__name="{DASHBOARD_ORG}")
              .values_list("room_id", "room__organisation_id", "user_id", "pk")[:300])
now = timezone.now()
r = client(settings.REDIS_URL)
r.delete(_key("events"))
pipe = r.pipeline()
for i in range({STORE_EVENTS}):
    room_id, org_id, user_id, stakeholder_id = people[i % len(people)]
    pipe.rpush(_key("events"), json.dumps({{
        "public_id": str(uuid.uuid4()), "created_at": (now + datetime.timedelta(microseconds=i)).isoformat(),
        "organisation_id": org_id, "room_id": room_id, "actor_id": user_id, "actor_side": "buyer",
        "stakeholder_id": stakeholder_id, "kind": "room.viewed", "summary": "bench-store", "data": {{}},
    }}))
pipe.execute()
from activity.tasks import events_drain
events_drain.apply_async(queue="{queue}")
print("QUEUED")
"""
    shell(env, code)
    import psycopg

    database = psycopg.connect(env["DATABASE_URL"], autocommit=True)

    def count() -> int:
        # A plain connection: a Django shell a second would eat the CPU being measured.
        query = "SELECT count(*) FROM analytics_event WHERE summary = 'bench-store'"
        return database.execute(query).fetchone()[0]

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-P",
            os.environ.get("BENCH_WORKER_POOL", "prefork"),
            "-c",
            os.environ.get("BENCH_WORKER_CONCURRENCY", "2"),
            "--prefetch-multiplier",
            "50",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    try:
        stored, samples = 0, []
        while stored < STORE_EVENTS and time.monotonic() - started < 300:
            time.sleep(0.5)
            stored = count()
            samples.append((time.monotonic() - started, stored))
    finally:
        worker.terminate()
        worker.wait(30)
        database.close()
    # The sustained rate: between the first and the last sample with events arriving.
    moving = [(t, n) for t, n in samples if 0 < n < STORE_EVENTS] or samples
    (t0, n0), (t1, n1) = moving[0], samples[-1]
    rate = (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
    return {"worker_events_stored": stored, "worker_events_per_s": round(rate, 1)}


def run(env: dict, base: str, room_id: str, cookie: str, wrk) -> dict:
    """Called by bench/run.py with gunicorn serving ``base``."""
    dash_cookie = seed_dashboard(env)
    figures = dashboard_queries(env)
    dash = wrk(f"{base}/dashboard/?stage=any", dash_cookie)
    figures.update(
        dashboard_rps=dash["rps"], dashboard_p50_ms=dash["p50_ms"], dashboard_p99_ms=dash["p99_ms"]
    )
    p50 = alternate(
        wrk,
        {
            "recorded": f"{base}/rooms/{room_id}/",
            "unrecorded": f"{base}/bench/room-unrecorded/{room_id}/",
        },
        cookie,
    )
    figures.update(
        room_page_recorded_p50_ms=p50["recorded"],
        room_page_unrecorded_p50_ms=p50["unrecorded"],
        view_recording_p50_cost_ms=round(p50["recorded"] - p50["unrecorded"], 3),
    )
    return figures


PUSH_COST = """
import statistics, time, uuid
from django.utils import timezone
from activity.buffer import _key, client, push
from django.conf import settings
payload = {"public_id": "", "created_at": timezone.now().isoformat(), "organisation_id": 1,
           "room_id": 1, "actor_id": 1, "actor_side": "buyer", "stakeholder_id": None,
           "kind": "room.viewed", "summary": "bench-push", "data": {}}
samples = []
for _ in range(2000):
    payload["public_id"] = str(uuid.uuid4())
    started = time.perf_counter()
    push(payload)
    samples.append((time.perf_counter() - started) * 1000)
client(settings.REDIS_URL).delete(_key("events"))
print("PUSH", statistics.median(samples), sorted(samples)[int(len(samples) * 0.99)])
"""


def push_cost(env: dict) -> dict[str, float]:
    """What recording a view costs the page itself: the append to the buffer, timed alone
    (the p50 difference of two pages is smaller than this machine's noise)."""
    median, p99 = re.search(r"PUSH (\S+) (\S+)", shell(env, PUSH_COST)).groups()
    return {"view_push_p50_ms": round(float(median), 3), "view_push_p99_ms": round(float(p99), 3)}


def purge(env: dict) -> None:
    """The room page's views were buffered with no worker running: drop them."""
    shell(
        env,
        "from config.celery import app; app.control.purge(); from django.conf import settings; "
        "from activity.buffer import _key, client; client(settings.REDIS_URL).delete("
        "_key('events'))",
    )


def report(figures: dict) -> None:
    print(
        f"dashboard, {ROOMS} rooms and {EVENTS:,} events: p50 {figures['dashboard_p50_ms']:.1f} ms,"
        f" p99 {figures['dashboard_p99_ms']:.1f} ms (aim: p99 under 300),"
        f" {figures['dashboard_queries_500_rooms']} queries for every room,"
        f" {figures['dashboard_queries_one_owner']} for one owner's"
    )
    print(
        f"recording a view: room page p50 {figures['room_page_recorded_p50_ms']:.2f} ms against"
        f" {figures['room_page_unrecorded_p50_ms']:.2f} ms without"
        f" ({figures['view_recording_p50_cost_ms']:+.2f} ms, aim under 2)"
    )
    print(
        f"appending a view to the buffer, timed alone: p50 {figures['view_push_p50_ms']:.3f} ms,"
        f" p99 {figures['view_push_p99_ms']:.3f} ms"
    )
    print(
        f"a real worker stored {figures['worker_events_stored']:,} events at"
        f" {figures['worker_events_per_s']:,.0f}/s (aim 2,000 or more)"
    )
    print(json.dumps(figures, indent=2, sort_keys=True))
