"""make bench: what 200 idle open room pages cost the server while nothing changes.

Each open page asks /rooms/<id>/live/ every 4 seconds with the ETag it has (static/js/live.js);
with nothing new the answer is a 304 after the access check. This starts gunicorn (2 workers,
production settings, Redis cache) on the bench room of bench/run.py, runs 200 such pollers for
BENCH_LIVE_SECONDS (20), and reports the requests/s the server answered, p50 and p99 of the 304,
and the CPU the workers used (percent of one core), into var/bench.json (``live_*`` keys).
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
from bench.run import ENV, PORT, ROOT, ensure_database, figures_write, manage, seed, wait_until_up  # noqa: E402

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
        results: list = []
        stop = time.monotonic() + SECONDS
        cpu_before, wall_before = cpu_seconds(workers), time.monotonic()
        threads = [
            threading.Thread(
                target=poller, args=(url, cookie, etag, stop, i * EVERY / PAGES, results)
            )
            for i in range(PAGES)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu = cpu_seconds(workers) - cpu_before
        wall = time.monotonic() - wall_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies = sorted(ms for status, ms in results if status == 304)
    others = sum(1 for status, _ in results if status != 304)
    figures = {
        "live_pages": PAGES,
        "live_poll_seconds": EVERY,
        "live_rps": round(len(results) / wall, 1),
        "live_304_p50_ms": round(statistics.median(latencies), 2),
        "live_304_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "live_cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "live_not_304": others,
    }
    print(f"{PAGES} idle room pages polling every {EVERY:.0f} s for {wall:.0f} s:")
    print(f"  {figures['live_rps']} requests/s answered, {others} not 304")
    print(f"  304 p50 {figures['live_304_p50_ms']} ms, p99 {figures['live_304_p99_ms']} ms")
    print(f"  gunicorn workers used {figures['live_cpu_percent_of_one_core']}% of one core")
    figures_write(figures)


if __name__ == "__main__":
    main()
