"""make bench: the room page against the framework's floor, served by gunicorn on PostgreSQL.

Seeds a 60-task, 12-stakeholder room, starts gunicorn (2 workers, production settings), loads
the floor view and the room page in the same run with wrk, prints requests/s, p50 and p99 for
both and their ratio, and merges the figures into var/bench.json (one flat object of numbers).
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import analytics  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tandem_bench"
)
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
# The production shape: Redis is the cache (rendered fragments live there).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")

ENV = {
    **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}},
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": DATABASE_URL,
    "SECRET_KEY": secrets.token_urlsafe(60),
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DEBUG": "false",
    "REDIS_URL": REDIS_URL,
    "CONN_MAX_AGE": "60",
    "PYTHONPATH": str(ROOT),
}


def ensure_database() -> None:
    import psycopg

    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def figures_write(figures: dict) -> None:
    """Merge ``figures`` into var/bench.json (one flat object of numbers, each script's keys its
    own)."""
    path = ROOT / "var" / "bench.json"
    path.parent.mkdir(exist_ok=True)
    existing = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**existing, **figures}, indent=2, sort_keys=True) + "\n")
    print(f"figures written to {path.relative_to(ROOT)}")


def manage(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


SEED = """
import datetime
from django.test import Client
from accounts.models import Membership, Organisation
from accounts.services import organisation_create, user_create_verified
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Task
from plans.services import comment_create, task_create, task_set_done
from rooms.access import room_access_for
from rooms.models import Room
from rooms.services import room_create
from stakeholders.services import stakeholder_add_buyer
from accounts.models import User

user = User.objects.filter(email="bench@bench.example").first()
if user is None:
    user = user_create_verified(email="bench@bench.example", password="bench-password-1")
    organisation_create(name="Bench Org", creator=user)
membership = Membership.objects.get(user=user)
room = Room.objects.filter(buyer_company="Bench Buyer").first()
if room is None:
    room = room_create(membership=membership, buyer_company="Bench Buyer",
                       target_date=datetime.date.today() + datetime.timedelta(days=120),
                       template=BUILTIN_TEMPLATES["enterprise"])
    by = room_access_for(user, room)
    buyers = [stakeholder_add_buyer(by=by, name=f"Buyer {i}", email=f"b{i}@buyer.example",
                                    title="Director", role="other") for i in range(11)]
    milestones = list(room.milestones.all())
    i = 0
    while room.tasks.count() < 60:
        task_create(milestone=milestones[i % len(milestones)], by=by, title=f"Extra task {i}",
                    owner=buyers[i % len(buyers)], due_date=datetime.date.today() + datetime.timedelta(days=i))
        i += 1
    for task in list(room.tasks.all()[:20]):
        task_set_done(task=task, done=True, by=by)
    for task in list(room.tasks.all()[:10]):
        comment_create(by=by, body="Looks good to us.", task=task)
    comment_create(by=by, body="Welcome to the room!")
assert room.tasks.count() == 60 and room.stakeholders.count() == 12
client = Client()
client.force_login(user)
print("ROOM", room.public_id)
print("COOKIE", client.cookies["sessionid"].value)
"""


def seed() -> tuple[str, str]:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    room = re.search(r"^ROOM (\S+)$", out, re.M).group(1)
    cookie = re.search(r"^COOKIE (\S+)$", out, re.M).group(1)
    return room, cookie


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own loopback server
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {url}")


def fetch(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise SystemExit(f"cannot read wrk's latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, cookie: str, connections: int = CONNECTIONS) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            DURATION,
            "--latency",
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {url}:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99_ms": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
    }


def main() -> None:
    ensure_database()
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    room_id, cookie = seed()
    base = f"http://127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        wait_until_up(f"{base}/bench/floor/")
        room_url = f"{base}/rooms/{room_id}/"
        status, html = fetch(room_url, cookie)
        if status != 200 or html.count('class="task') < 60:
            raise SystemExit("the room page did not render its 60 tasks")
        for url in (f"{base}/bench/floor/", room_url):  # warm both workers' caches
            subprocess.run(
                ["wrk", "-t", "1", "-c", "2", "-d", "2s", "-H", f"Cookie: sessionid={cookie}", url],
                check=True,
                capture_output=True,
            )
        floor = wrk(f"{base}/bench/floor/", cookie)
        room = wrk(room_url, cookie)
        # One connection: latency is the server's time, not time queued behind others.
        more = analytics.run(ENV, base, room_id, cookie, lambda u, c: wrk(u, c, connections=1))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    more.update(analytics.push_cost(ENV))
    more.update(analytics.store_rate(ENV))
    analytics.purge(ENV)

    figures = {
        "floor_rps": floor["rps"],
        "floor_p50_ms": floor["p50_ms"],
        "floor_p99_ms": floor["p99_ms"],
        "room_page_rps": room["rps"],
        "room_page_p50_ms": room["p50_ms"],
        "room_page_p99_ms": room["p99_ms"],
        "room_page_vs_floor_rps_ratio": round(room["rps"] / floor["rps"], 3),
        **more,
    }
    print(f"{'page':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'floor (tiny template)':<28}{floor['rps']:>10.1f}{floor['p50_ms']:>10.2f}{floor['p99_ms']:>10.2f}"
    )
    print(
        f"{'room page (60 tasks)':<28}{room['rps']:>10.1f}{room['p50_ms']:>10.2f}{room['p99_ms']:>10.2f}"
    )
    print(
        f"room page at {figures['room_page_vs_floor_rps_ratio']:.1%} of the floor's requests/s (aim: 30% or more)"
    )
    analytics.report(more)
    figures_write(figures)


if __name__ == "__main__":
    main()
