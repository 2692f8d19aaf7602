"""make loadtest: two hundred buyers, twenty sellers, five managers and an API script at once,
on the production shape scaled out on this machine, with Redis stopped for 10 s and a worker
process killed during the run; then the books.

Everything runs on loopback and is started here and stopped after: PostgreSQL's database
``tandem_loadtest`` (made afresh), PgBouncer in transaction mode between the app and it
(Debian's ``pgbouncer``, installed with apt-get when missing, its own port and config under
var/loadtest/), a Redis of its own (never the machine's shared one: it is stopped mid-run), a
mail server that counts what it receives (aiosmtpd), gunicorn (LOADTEST_WEB_WORKERS processes),
one Celery worker with 2 processes, and beat. The crowd is Locust, headless (bench/locustfile.py):
a warm-up (LOADTEST_WARMUP seconds, the crowd arriving), then LOADTEST_DURATION seconds measured
(120 by default; shorter to try it out). Figures go into var/bench.json (loadtest_* keys).

The books, after the crowd stops and the workers drain: every comment, file, added task and API
room the crowd made is stored once; every tick is one event and each task's state is the parity
of its ticks; every view that answered is one event; every email that was due went out, each
received once by the mail server (matched by its X-Tandem-Delivery header), and every invited
address got one invitation; no answer was a 5xx.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from email import message_from_bytes
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import figures_write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "loadtest"
PORT = int(os.environ.get("LOADTEST_PORT", "18700"))
REDIS_PORT = int(os.environ.get("LOADTEST_REDIS_PORT", "18701"))
SMTP_PORT = int(os.environ.get("LOADTEST_SMTP_PORT", "18702"))
PGBOUNCER_PORT = int(os.environ.get("LOADTEST_PGBOUNCER_PORT", "16432"))
POSTGRES = os.environ.get("LOADTEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("LOADTEST_DATABASE", "tandem_loadtest")
DURATION = int(os.environ.get("LOADTEST_DURATION", "120"))
WARMUP = int(os.environ.get("LOADTEST_WARMUP", "20"))
BUYERS = int(os.environ.get("LOADTEST_BUYERS", "200"))
SELLERS = int(os.environ.get("LOADTEST_SELLERS", "20"))
MANAGERS = int(os.environ.get("LOADTEST_MANAGERS", "5"))
WEB_WORKERS = int(os.environ.get("LOADTEST_WEB_WORKERS", "3"))
WEB_THREADS = int(os.environ.get("LOADTEST_WEB_THREADS", "4"))
REDIS_DOWN_SECONDS = 10
DRAIN_LIMIT = 240  # seconds to wait for the books to settle (beat sweeps every minute)
DIRECT_URL = f"{POSTGRES}/{DB_NAME}"
METRICS_TOKEN = secrets.token_urlsafe(24)
BASE = f"http://127.0.0.1:{PORT}"

ENV = {
    **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "DATABASE_URL"}},
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PGBOUNCER_PORT}/{DB_NAME}",
    "DATABASE_TRANSACTION_POOLING": "true",
    "CONN_MAX_AGE": "60",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "SITE_URL": BASE,
    "ALLOWED_HOSTS": "127.0.0.1",
    "DEBUG": "false",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "METRICS_TOKEN": METRICS_TOKEN,
    "LOG_FORMAT": "json",
    "PROMETHEUS_MULTIPROC_DIR": str(VAR / "prometheus"),
    "PYTHONPATH": str(ROOT),
}


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# The pieces -------------------------------------------------------------------------------


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else ""
    )
    if not found:
        say("installing Debian's pgbouncer")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "pgbouncer"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
        found = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    return found


def pgbouncer_start() -> subprocess.Popen:
    """Transaction pooling: the app's many connections share a few server connections."""
    folder = VAR / "pgbouncer"
    folder.mkdir(parents=True)
    folder.chmod(0o777)  # it drops root for the postgres user, who writes its log here
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    host, port = re.search(r"@([^:/]+):(\d+)", POSTGRES).groups()
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{DB_NAME} = host={host} port={port} dbname={DB_NAME}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
"""
    )
    for name in ("userlist.txt", "pgbouncer.ini"):
        (folder / name).chmod(0o644)
    command = [pgbouncer_binary(), str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]  # it refuses to run as root
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def redis_start() -> subprocess.Popen:
    """Our own Redis: append-only, so that what it held survives its stop mid-run."""
    folder = VAR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(folder / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    )


def redis_cli(*args: str) -> str:
    return subprocess.run(
        ["redis-cli", "-p", str(REDIS_PORT), *args], capture_output=True, text=True, timeout=10
    ).stdout.strip()


class MailSink:
    """A real SMTP server on loopback that keeps who got which delivery."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - dev tool, loaded only here

        self.received: list[tuple[str, str, str]] = []  # (delivery id, to, subject)
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                message = message_from_bytes(envelope.content)
                for to in envelope.rcpt_tos:
                    sink.received.append(
                        (message.get("X-Tandem-Delivery", ""), to, message.get("Subject", ""))
                    )
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=SMTP_PORT)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def manage(*args: str, url: str = DIRECT_URL, stdin: str | None = None) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**ENV, "DATABASE_URL": url, "DATABASE_TRANSACTION_POOLING": "false"},
        check=True,
        capture_output=True,
        text=True,
        input=stdin,
    ).stdout


def database_fresh() -> None:
    import psycopg  # noqa: PLC0415 - the app's driver, used before Django is set up

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [DB_NAME]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.5)
    raise SystemExit(f"loadtest: {what} did not come up within {seconds} s")


def get(path: str, token: str = "") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(BASE + path, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def log(name: str):
    return open(VAR / name, "w")  # noqa: SIM115 - closed with the process at the end


# The run ----------------------------------------------------------------------------------


class Supervised(threading.Thread):
    """A process kept running the way docker-compose's ``restart: unless-stopped`` keeps the
    worker in production: when it exits on its own it is started again, and that is logged
    (and printed with the faults). Celery's main process can exit when the broker goes away
    under it (kombu closing a channel whose connection is gone: "Unrecoverable error"); what
    it had taken is redelivered, so the books still balance."""

    def __init__(self, name: str, start) -> None:
        super().__init__(daemon=True)
        self.what, self.start_process = name, start
        self.process: subprocess.Popen = start()
        self.log: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(1):
            code = self.process.poll()
            if code is not None and not self.stopping.is_set():
                self.log.append(f"the {self.what} exited (code {code}) and was started again")
                say(f"the {self.what} exited (code {code}); starting it again")
                self.process = self.start_process()

    def stop(self) -> subprocess.Popen:
        self.stopping.set()
        return self.process


class Faults(threading.Thread):
    """Once in the measured part: Redis stopped for 10 s, a worker process SIGKILLed."""

    def __init__(self, started: float, worker: Supervised, redis_holder: list) -> None:
        super().__init__(daemon=True)
        self.started, self.worker, self.redis_holder = started, worker, redis_holder
        self.log: list[str] = []
        self.load: list[float] = []
        self.stop_event = threading.Event()

    def at(self, seconds: float) -> bool:
        """Sleep until ``seconds`` after the crowd started (False when told to stop)."""
        while time.monotonic() - self.started < seconds:
            if self.stop_event.wait(0.5):
                return False
            self.load.append(os.getloadavg()[0])
        return True

    def run(self) -> None:
        if not self.at(WARMUP + DURATION * 0.25):
            return
        redis_cli("shutdown")  # the append-only file is flushed: nothing it held is lost
        self.redis_holder[0].wait(10)
        self.log.append(f"{time.monotonic() - self.started:.0f} s: Redis stopped")
        say("fault: Redis stopped")
        if not self.at(WARMUP + DURATION * 0.25 + REDIS_DOWN_SECONDS):
            return
        self.redis_holder[0] = redis_start()
        self.log.append(f"{time.monotonic() - self.started:.0f} s: Redis started again")
        say("fault: Redis started again")
        if not self.at(WARMUP + DURATION * 0.55):
            return
        children = subprocess.run(
            ["pgrep", "-P", str(self.worker.process.pid)], capture_output=True, text=True
        ).stdout.split()
        if children:
            victim = int(children[0])
            os.kill(victim, signal.SIGKILL)
            self.log.append(
                f"{time.monotonic() - self.started:.0f} s: worker process {victim} SIGKILLed"
            )
            say(f"fault: worker process {victim} killed")
        while not self.stop_event.wait(1):
            self.load.append(os.getloadavg()[0])


def crowd(faults_factory) -> tuple[float, "Faults"]:
    users = BUYERS + SELLERS + MANAGERS + 1
    rate = max(1.0, users / max(1.0, WARMUP * 0.75))
    env = {
        **os.environ,
        "LOADTEST_CROWD": str(VAR / "crowd.json"),
        "LOADTEST_LEDGER": str(VAR / "ledger.json"),
        "LOADTEST_BUYERS": str(BUYERS),
        "LOADTEST_SELLERS": str(SELLERS),
        "LOADTEST_MANAGERS": str(MANAGERS),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        BASE,
        "-u",
        str(users),
        "-r",
        f"{rate:.1f}",
        "-t",
        f"{WARMUP + DURATION}s",
        "--reset-stats",
        "--stop-timeout",
        "10",
        "--csv",
        str(VAR / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    started = time.monotonic()
    faults = faults_factory(started)
    faults.start()
    with log("locust.log") as out:
        subprocess.run(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    stopped = time.monotonic()
    faults.stop_event.set()
    return stopped, faults


def table() -> tuple[list[dict], dict]:
    import csv  # noqa: PLC0415 - only the report reads CSV

    rows = list(csv.DictReader(open(VAR / "locust_stats.csv")))  # noqa: SIM115
    kinds = [row for row in rows if row["Name"] != "Aggregated"]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(
        f"\n{'kind':<28}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}"
    )
    for row in sorted(kinds, key=lambda r: r["Name"]) + [total]:
        print(
            f"{row['Name'][:27]:<28}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
            f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{row['Failure Count']:>8}"
        )
    return kinds, total


def failures() -> list[dict]:
    import csv  # noqa: PLC0415 - only the report reads CSV

    path = VAR / "locust_failures.csv"
    return list(csv.DictReader(open(path))) if path.exists() else []  # noqa: SIM115


def settled(conn) -> dict:
    """What still waits: buffered events, queued messages, due emails and alerts."""
    r = {
        "buffer": int(redis_cli("LLEN", f"tandem:{DB_NAME}:analytics:events") or 0),
        "queue": int(redis_cli("LLEN", "celery") or 0),
    }
    r["emails_due"] = conn.execute(
        "SELECT count(*) FROM notifications_outboundemail WHERE status = 'pending'"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
    ).fetchone()[0]
    r["alerts_due"] = conn.execute(
        "SELECT count(*) FROM notifications_buyeralertstate WHERE due_at <= now()"
    ).fetchone()[0]
    return r


def books(conn, ledger: dict, sink: MailSink, fails: list[dict]) -> list[tuple[str, bool, str]]:
    lines: list[tuple[str, bool, str]] = []
    # Requests whose answer the crowd never saw (cut at the run's end, a reset connection):
    # each may or may not have been stored, never twice.
    unanswered = set(ledger["sent"])
    lines.append(("requests unanswered (stored at most once)", True, f"{len(unanswered)}"))

    def once(what: str, wanted: list[str], query: str) -> None:
        stored = Counter(dict(conn.execute(query).fetchall()))
        missing = [w for w in wanted if stored.get(w, 0) == 0]
        doubled = [w for w, n in stored.items() if n > 1]
        extra = set(stored) - set(wanted) - unanswered
        ok = not missing and not doubled and not extra
        lines.append(
            (
                what,
                ok,
                f"{len(wanted)} made, {sum(stored.values())} stored"
                f"{f', {len(missing)} missing' if missing else ''}"
                f"{f', {len(doubled)} doubled' if doubled else ''}"
                f"{f', {len(extra)} unknown' if extra else ''}",
            )
        )

    once(
        "comments",
        ledger["comments"],
        "SELECT body, count(*) FROM plans_comment WHERE body LIKE 'lt-comment-%' GROUP BY body",
    )
    once(
        "files",
        ledger["files"],
        "SELECT original_name, count(*) FROM rooms_resource WHERE original_name LIKE 'lt-file-%'"
        " GROUP BY original_name",
    )
    once(
        "tasks added",
        ledger["task_adds"],
        "SELECT title, count(*) FROM plans_task WHERE title LIKE 'lt-task-%' GROUP BY title",
    )
    once(
        "rooms from the API",
        ledger["api_rooms"],
        "SELECT buyer_company, count(*) FROM rooms_room WHERE buyer_company LIKE 'lt-api-%'"
        " GROUP BY buyer_company",
    )

    ticks = Counter(ledger["ticks"])
    # task -> (its buyers' completed/reopened events, the kind of the last one)
    recorded = {
        task: (count, last)
        for task, count, last in conn.execute(
            "SELECT data->>'task', count(*),"
            " (array_agg(kind ORDER BY created_at DESC, id DESC))[1]"
            " FROM analytics_event WHERE kind IN ('task.completed', 'task.reopened')"
            " AND actor_side = 'buyer' GROUP BY data->>'task'"
        ).fetchall()
    }
    states = dict(
        conn.execute(
            "SELECT public_id::text, status FROM plans_task WHERE public_id::text = ANY(%s)",
            [list(ticks)],
        ).fetchall()
    )
    maybe = Counter(u.removeprefix("tick:") for u in unanswered if u.startswith("tick:"))
    # A tick asks for the state its buyer saw flipped. Two buyers ticking one task at once both
    # ask for "done": the first completes it, the second finds it done and changes nothing (no
    # event; a toggle that flipped it back would surprise both). So what must hold: no tick
    # makes more than one event, and every task is in the state its last event says.
    made = sum(ticks.values())
    events = sum(count for count, _ in recorded.values())
    too_many = [t for t, (count, _) in recorded.items() if count > ticks[t] + maybe[t]]
    wrong_state = [
        t
        for t, (_, last) in recorded.items()
        if t in states and (states[t] == "done") != (last == "task.completed")
    ]
    lines.append(
        (
            "ticks",
            not too_many and not wrong_state and events <= made + sum(maybe.values()),
            f"{made} answered (+{sum(maybe.values())} unanswered), {events} events,"
            f" {made - events} found their task already as asked (a concurrent tick);"
            f" {len(too_many)} tasks with more events than ticks, {len(wrong_state)} whose"
            " state is not their last event's",
        )
    )

    for kind, made_views, prefix in (
        ("room.viewed", ledger["room_views"], "view:"),
        ("task.viewed", ledger["task_views"], "taskview:"),
    ):
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT public_id) FROM analytics_event WHERE kind = %s",
            [kind],
        ).fetchone()
        cut = sum(1 for u in ledger["sent"] if u.startswith(prefix))
        lines.append(
            (
                f"views ({kind})",
                len(made_views) <= stored[0] <= len(made_views) + cut and stored[0] == stored[1],
                f"{len(made_views)} answered (+{cut} unanswered), {stored[0]} stored once each",
            )
        )
    aside = redis_cli("GET", f"tandem:{DB_NAME}:analytics:set-aside-count") or "0"
    lines.append(("events set aside", aside in ("", "0"), f"{aside}"))
    beacons = conn.execute(
        "SELECT count(*) FROM analytics_event WHERE kind = 'room.time'"
    ).fetchone()[0]
    lines.append(
        (
            "time beacons (not a balance: dropped with Redis down, capped by elapsed time)",
            True,
            f"{len(ledger['beacons'])} sent, {beacons} counted",
        )
    )

    # Emails: every one due went out, and the mail server received each once.
    rows = conn.execute(
        "SELECT public_id::text, status, next_attempt_at > now() FROM notifications_outboundemail"
    ).fetchall()
    by_state = Counter(status for _, status, _ in rows)
    received = Counter(delivery for delivery, _, _ in sink.received)
    sent = {pk for pk, status, _ in rows if status == "sent"}
    never = [pk for pk, status, later in rows if status in ("pending", "failed") and not later]
    twice = [pk for pk, n in received.items() if n > 1]
    lost = [pk for pk in sent if received.get(pk, 0) == 0]
    stray = [pk for pk in received if pk not in sent]
    interrupted = by_state.get("sending", 0)
    lines.append(
        (
            "emails",
            not (never or twice or lost or stray or interrupted),
            f"{len(rows)} in the outbox ({dict(by_state)}), {len(sink.received)} received"
            f"{f', {len(never)} due and not sent' if never else ''}"
            f"{f', {len(twice)} received twice' if twice else ''}"
            f"{f', {len(lost)} marked sent, never received' if lost else ''}"
            f"{f', {len(stray)} received, not marked sent' if stray else ''}"
            f"{f', {interrupted} interrupted (left for an admin)' if interrupted else ''}",
        )
    )
    invited = Counter(to for _, to, subject in sink.received if to in set(ledger["invites"]))
    bad = [a for a in ledger["invites"] if invited.get(a, 0) != 1]
    lines.append(
        ("invitations", not bad, f"{len(ledger['invites'])} invited, {len(bad)} not received once")
    )

    # Every answer the server gave, from gunicorn's access log (the probes' 503 while the
    # workers were starting are not the crowd's).
    statuses = Counter(
        match.group(2)
        for line in (VAR / "access.log").read_text().splitlines()
        if (match := re.search(r'"[A-Z]+ (\S+) [^"]*" (\d{3}) ', line))
        and match.group(1) not in ("/healthz", "/readyz")
    )
    server_errors = {status: n for status, n in statuses.items() if status.startswith("5")}
    lines.append(
        (
            "no 5xx",
            not server_errors,
            f"{sum(statuses.values())} answers, 5xx: {server_errors or 'none'}",
        )
    )
    return lines


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    (VAR / "prometheus").mkdir()
    processes: list[subprocess.Popen] = []
    supervised: list[Supervised] = []
    redis_holder = [redis_start()]
    sink = MailSink()
    try:
        wait_for(lambda: redis_cli("PING") == "PONG", 10, "Redis")
        say(f"database {DB_NAME}: fresh, migrated, seeded")
        database_fresh()
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput")
        seed = manage("shell", stdin=(ROOT / "bench" / "loadtest_seed.py").read_text())
        (VAR / "crowd.json").write_text(re.search(r"^CROWD (.+)$", seed, re.M).group(1))
        processes.append(pgbouncer_start())
        say(
            f"PgBouncer (transaction mode) on {PGBOUNCER_PORT}, Redis on {REDIS_PORT}, mail on {SMTP_PORT}"
        )
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--workers",
                str(WEB_WORKERS),
                "--threads",
                str(WEB_THREADS),
                # Longer than any client's pause between requests (the crowd waits 2-8 s), as
                # behind a load balancer it must outlast the balancer's idle timeout: with
                # gunicorn's 2 s, an idle connection was closed just as its client reused it,
                # and the request failed with a reset (8 in a quiet run).
                "--keep-alive",
                "75",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--no-control-socket",
                "--log-level",
                "warning",
                "--access-logfile",
                str(VAR / "access.log"),
            ],
            cwd=ROOT,
            env=ENV,
            stdout=log("gunicorn.log"),
            stderr=subprocess.STDOUT,
        )
        processes.append(gunicorn)
        worker = Supervised(
            "Celery worker",
            lambda: subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-c",
                    "2",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=ENV,
                stdout=log("worker.log"),
                stderr=subprocess.STDOUT,
            ),
        )
        worker.start()
        supervised.append(worker)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "beat",
                    "--loglevel",
                    "WARNING",
                    "--schedule",
                    str(VAR / "beat-schedule"),
                ],
                cwd=ROOT,
                env=ENV,
                stdout=log("beat.log"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_for(lambda: get("/healthz")[0] == 200, 180, "gunicorn")
        wait_for(lambda: get("/readyz")[0] == 200, 90, "a worker's heartbeat (/readyz)")
        say(
            f"gunicorn {WEB_WORKERS}x{WEB_THREADS} threads, Celery worker (2 processes) and beat"
            f" ready; the crowd: {BUYERS} buyers, {SELLERS} sellers, {MANAGERS} managers, 1 API"
            f" script; {WARMUP} s warm-up, {DURATION} s measured"
        )
        load_before = os.getloadavg()
        stopped, faults = crowd(lambda started: Faults(started, worker, redis_holder))
        say("the crowd stopped; waiting for the drain")
        kinds, total = table()

        import psycopg  # noqa: PLC0415 - the app's driver

        conn = psycopg.connect(DIRECT_URL, autocommit=True)
        wait_for(lambda: redis_cli("PING") == "PONG", 20, "Redis")
        left = settled(conn)
        while any(left.values()) and time.monotonic() - stopped < DRAIN_LIMIT:
            time.sleep(1)
            left = settled(conn)
        drained = time.monotonic() - stopped
        time.sleep(3)  # the last sends' marks
        _, scrape = get("/metrics", METRICS_TOKEN)
        ledger = json.loads((VAR / "ledger.json").read_text())
        fails = failures()
        lines = books(conn, ledger, sink, fails)
        balanced = all(ok for _, ok, _ in lines)
        restarts = [line for process in supervised for line in process.log]
        print(f"\nfaults: {'; '.join(faults.log) or 'none (the run was too short)'}")
        if restarts:
            print(f"restarted as compose would: {'; '.join(restarts)}")
        print(f"drained {drained:.0f} s after the crowd stopped (aim 30): {left}")
        for error in fails:
            print(
                f"  error: {error['Occurrences']} x {error['Method']} {error['Name']}: {error['Error']}"
            )
        print("\nthe books")
        for what, ok, detail in lines:
            print(f"  {'ok ' if ok else 'OFF'} {what}: {detail}")
        load = faults.load or [os.getloadavg()[0]]
        print(
            f"\nload average: {load_before[0]:.2f} before, {sum(load) / len(load):.2f} mean and"
            f" {max(load):.2f} peak during the run (2 cores)"
        )
        by_name = {row["Name"]: row for row in kinds}
        figures = {
            "loadtest_users": BUYERS + SELLERS + MANAGERS + 1,
            "loadtest_seconds": DURATION,
            "loadtest_rps": float(total["Requests/s"]),
            "loadtest_requests": int(total["Request Count"]),
            "loadtest_errors": int(total["Failure Count"]),
            "loadtest_p50_ms": float(total["50%"]),
            "loadtest_p95_ms": float(total["95%"]),
            "loadtest_p99_ms": float(total["99%"]),
            "loadtest_drain_s": round(drained, 1),
            "loadtest_books_balanced": int(balanced),
            "loadtest_load_mean": round(sum(load) / len(load), 2),
        }
        for name, row in by_name.items():
            key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
            figures[f"loadtest_{key}_p50_ms"] = float(row["50%"])
            figures[f"loadtest_{key}_p99_ms"] = float(row["99%"])
        figures_write(figures)
        (VAR / "metrics.txt").write_text(scrape)
        conn.close()
        if not balanced:
            raise SystemExit("loadtest: the books do not balance")
    finally:
        # The web and the workers first, PgBouncer last: a request still in flight is answered.
        processes[1:1] = [process.stop() for process in supervised]
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for process in reversed(processes):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis_holder[0].poll() is None:
            redis_cli("shutdown", "nosave")
            redis_holder[0].wait(10)
        sink.stop()


if __name__ == "__main__":
    main()
