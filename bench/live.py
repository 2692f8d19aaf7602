"""make bench: what 200 idle open room pages cost the server while nothing changes.

Each open page asks /rooms/<id>/live/ every 4 seconds with the ETag it has (static/js/live.js);
with nothing new the answer is a 304 after the access check. This starts gunicorn (2 workers,
production settings, Redis cache) on the bench room of bench/run.py, runs 200 such pollers for
BENCH_LIVE_SECONDS (20), and reports the requests/s the server answered, p50 and p99 of the 304,
and the CPU the workers used (percent of one core), beside the same load on the framework's
floor (bench/run.py's tiny view through the same middleware), into var/bench.json
(``live_*`` keys). The pollers run on the same machine and take CPU of their own.
"""

import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import ENV, PORT, ROOT, ensure_database, figures_write, manage, seed  # noqa: E402

PAGES = 200
EVERY = 4.0
SECONDS = float(__import__("os").environ.get("BENCH_LIVE_SECONDS", "20"))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / 100


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def poller(url: str, cookie: str, etag: str, stop: float, offset: float, out: list) -> None:
    time.sleep(offset)  # pages were opened at different moments
    while time.monotonic() < stop:
        started = time.monotonic()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            url, headers={"Cookie": f"sessionid={cookie}", "If-None-Match": etag}
        )
        try:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
            status = 200
        except urllib.error.HTTPError as exc:
            status = exc.code
        out.append((status, (time.monotonic() - started) * 1000))
        time.sleep(max(0.0, EVERY - (time.monotonic() - started)))


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 120  # a loaded two-core machine starts gunicorn slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 - our own loopback server
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url}")


def load(url: str, cookie: str, etag: str, workers: list[int]) -> dict:
    results: list = []
    stop = time.monotonic() + SECONDS
    cpu_before, wall_before = cpu_seconds(workers), time.monotonic()
    threads = [
        threading.Thread(target=poller, args=(url, cookie, etag, stop, i * EVERY / PAGES, results))
        for i in range(PAGES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = cpu_seconds(workers) - cpu_before
    wall = time.monotonic() - wall_before
    latencies = sorted(ms for _, ms in results)
    return {
        "rps": round(len(results) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 2),
        "cpu_percent": round(100 * cpu / wall, 1),
        "not_304": sum(1 for status, _ in results if status != 304),
        "wall": wall,
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
            "--threads",
            "8",
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
        url = f"{base}/rooms/{room_id}/live/"
        opening = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})  # noqa: S310
        first = urllib.request.urlopen(opening, timeout=30)  # noqa: S310
        etag = first.headers["ETag"]
        workers = children(server.pid)
        floor = load(f"{base}/bench/floor/", cookie, etag, workers)  # the same load, no work
        live = load(url, cookie, etag, workers)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    figures = {
        "live_pages": PAGES,
        "live_poll_seconds": EVERY,
        "live_rps": live["rps"],
        "live_304_p50_ms": live["p50_ms"],
        "live_304_p99_ms": live["p99_ms"],
        "live_cpu_percent_of_one_core": live["cpu_percent"],
        "live_not_304": live["not_304"],
        "live_floor_p50_ms": floor["p50_ms"],
        "live_floor_p99_ms": floor["p99_ms"],
        "live_floor_cpu_percent_of_one_core": floor["cpu_percent"],
    }
    print(f"{PAGES} idle room pages, one request each every {EVERY:.0f} s, {SECONDS:.0f} s each:")
    print(f"{'':<26}{'req/s':>8}{'p50 ms':>10}{'p99 ms':>10}{'CPU %':>8}")
    for name, row in (("floor (tiny template)", floor), ("live poll (304)", live)):
        print(
            f"{name:<26}{row['rps']:>8}{row['p50_ms']:>10}{row['p99_ms']:>10}{row['cpu_percent']:>8}"
        )
    print(f"live polls not answered 304: {live['not_304']}")
    figures_write(figures)


if __name__ == "__main__":
    main()
