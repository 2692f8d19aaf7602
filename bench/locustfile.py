"""The crowd of make loadtest (bench/loadtest.py starts it): buyers, sellers, managers and an
API script, each doing what a person of that kind does in a busy morning, and writing down
every write it made (the ledger) so that the books can be checked against the database.

Request names are kinds ("buyer: room page"), so the table has one row per kind. Only the
loopback server named by --host is ever asked anything.
"""

import datetime
import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

CROWD = json.loads(Path(os.environ["LOADTEST_CROWD"]).read_text())
LEDGER_PATH = Path(os.environ["LOADTEST_LEDGER"])
LEDGER: dict[str, list] = {
    "room_views": [],  # (room, status) of each room page that answered 200: one event each
    "task_views": [],
    "ticks": [],  # task ids ticked (each toggle is one completed/reopened event)
    "comments": [],  # unique bodies
    "files": [],  # unique file names
    "beacons": [],
    "task_adds": [],  # unique titles
    "date_moves": [],
    "invites": [],  # unique addresses invited
    "api_rooms": [],  # unique buyer companies
    # Sent, answer never seen (the run's end cuts requests in flight, a connection resets):
    # stored at most once, the books allow for them.
    "sent": [],
}
_buyer_seats = itertools.count()
_seller_seats = itertools.count()
_manager_seats = itertools.count()
BEACON = re.compile(r'id="tandem-beacon" data-url="([^"]+)" data-token="([^"]+)"')
HTMX = {"HX-Request": "true"}


@events.quitting.add_listener
def _write_ledger(**kwargs) -> None:
    LEDGER_PATH.write_text(json.dumps(LEDGER))


def form_fields(html: str) -> dict[str, str]:
    """The values a browser would post from the (first) form in ``html``."""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|file|checkbox)"', tag):
            if name and 'type="checkbox"' in tag and " checked" in tag:
                fields[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body) or re.search(
            r'<option value="([^"]*)"', body
        )
        fields[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        fields[name] = body.strip()
    return fields


class Person(HttpUser):
    abstract = True

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), **HTMX}

    def room_page(self, name: str) -> str:
        url = f"/rooms/{self.room['id']}/"
        LEDGER["sent"].append("view:" + self.room["id"])
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code == 200:
                LEDGER["sent"].remove("view:" + self.room["id"])
                LEDGER["room_views"].append(self.room["id"])
                r.success()
                return r.text
            r.failure(f"status {r.status_code}")
        return ""


class Buyer(Person):
    """Opens the room from their emailed link, reads, ticks, comments, shares a file; the page
    reports the seconds it was visible."""

    fixed_count = int(os.environ.get("LOADTEST_BUYERS", "200"))
    wait_time = between(2, 6)

    def on_start(self) -> None:
        seat = CROWD["buyers"][next(_buyer_seats) % len(CROWD["buyers"])]
        self.room = CROWD["rooms"][seat["room"]]
        link = f"/b/{seat['token']}/"
        self.client.get(link, name="buyer: open link")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            link,
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": self.host + link},
            name="buyer: open link",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"status {r.status_code}")
        self.beacon: tuple[str, str] | None = None
        self.seq = 0
        self.look()

    @task(5)
    def look(self) -> None:
        html = self.room_page("buyer: room page")
        found = BEACON.search(html)
        if found:
            self.beacon, self.seq = (found.group(1), found.group(2)), 0

    @task(3)
    def read_task(self) -> None:
        task_id = random.choice(self.room["buyer_tasks"])
        url = f"/rooms/{self.room['id']}/tasks/{task_id}/"
        LEDGER["sent"].append("taskview:" + task_id)
        with self.client.get(
            url, name="buyer: task page", allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
                return
            LEDGER["sent"].remove("taskview:" + task_id)
            LEDGER["task_views"].append(task_id)

    @task(2)
    def tick(self) -> None:
        task_id = random.choice(self.room["buyer_tasks"])
        url = f"/rooms/{self.room['id']}/tasks/{task_id}/toggle/"
        LEDGER["sent"].append("tick:" + task_id)
        if self.client.post(url, headers=self.csrf(), name="buyer: tick").status_code == 200:
            LEDGER["sent"].remove("tick:" + task_id)
            LEDGER["ticks"].append(task_id)

    @task(2)
    def comment(self) -> None:
        task_id = random.choice(self.room["buyer_tasks"])
        body = f"lt-comment-{uuid.uuid4().hex}"
        url = f"/rooms/{self.room['id']}/tasks/{task_id}/comments/"
        LEDGER["sent"].append(body)
        r = self.client.post(
            url,
            data={"body": body},
            headers=self.csrf(),
            name="buyer: comment",
            allow_redirects=False,
        )
        if r.status_code in (200, 302) and "/accounts/login" not in r.headers.get("Location", ""):
            LEDGER["sent"].remove(body)
            LEDGER["comments"].append(body)

    @task(1)
    def upload(self) -> None:
        name = f"lt-file-{uuid.uuid4().hex}.txt"
        url = f"/rooms/{self.room['id']}/resources/files/"
        LEDGER["sent"].append(name)
        files = {"file": (name, b"Our security questionnaire answers.\n" * 20, "text/plain")}
        r = self.client.post(
            url, files=files, headers=self.csrf(), name="buyer: upload file", allow_redirects=False
        )
        if r.status_code in (200, 302) and "/accounts/login" not in r.headers.get("Location", ""):
            LEDGER["sent"].remove(name)
            LEDGER["files"].append(name)

    @task(2)
    def beacon_send(self) -> None:
        if self.beacon is None:
            return
        url, token = self.beacon
        data = {"token": token, "seq": str(self.seq), "seconds": str(random.randint(2, 20))}
        self.seq += 1
        if (
            self.client.post(url, data=data, headers=self.csrf(), name="buyer: beacon").status_code
            == 204
        ):
            LEDGER["beacons"].append(token[-12:])


class Seller(Person):
    """Edits the plan, invites buyers, moves dates, in their own rooms."""

    fixed_count = int(os.environ.get("LOADTEST_SELLERS", "20"))
    wait_time = between(3, 8)

    def on_start(self) -> None:
        seat = next(_seller_seats) % len(CROWD["sellers"])
        self.client.cookies.set("sessionid", CROWD["sellers"][seat]["cookie"])
        self.rooms = [room for room in CROWD["rooms"] if room["seller"] == seat] or CROWD["rooms"]
        self.room = random.choice(self.rooms)
        self.room_page("seller: room page")

    @task(3)
    def look(self) -> None:
        self.room = random.choice(self.rooms)
        self.room_page("seller: room page")

    @task(2)
    def add_task(self) -> None:
        title = f"lt-task-{uuid.uuid4().hex}"
        milestone = random.choice(self.room["milestones"])
        url = f"/rooms/{self.room['id']}/milestones/{milestone}/tasks/"
        due = (
            datetime.datetime.now(tz=datetime.UTC).date()
            + datetime.timedelta(days=random.randint(1, 60))
        ).isoformat()
        data = {"title": title, "due_date": due, "owner_choice": "side:seller", "description": ""}
        LEDGER["sent"].append(title)
        if (
            self.client.post(
                url, data=data, headers=self.csrf(), name="seller: add task"
            ).status_code
            == 200
        ):
            LEDGER["sent"].remove(title)
            LEDGER["task_adds"].append(title)

    @task(2)
    def move_date(self) -> None:
        task_id = random.choice(self.room["seller_tasks"])
        url = f"/rooms/{self.room['id']}/tasks/{task_id}/edit/"
        form = self.client.get(url, headers=HTMX, name="seller: task form")
        if form.status_code != 200:
            return
        fields = form_fields(form.text)
        due = datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(
            days=random.randint(1, 90)
        )
        fields["due_date"] = due.isoformat()
        with self.client.post(
            url, data=fields, headers=self.csrf(), name="seller: move date", catch_response=True
        ) as r:
            if r.status_code == 200:
                LEDGER["date_moves"].append(task_id)
            elif r.status_code == 409:  # someone saved the task first: a conflict shown, not lost
                r.success()

    @task(1)
    def invite(self) -> None:
        email = f"lt-{uuid.uuid4().hex[:16]}@buyer.example"
        base = f"/rooms/{self.room['id']}/stakeholders/"
        data = {"name": "New Colleague", "email": email, "title": "Director", "role": "other"}
        r = self.client.post(
            base + "buyers/", data=data, headers=self.csrf(), name="seller: add buyer"
        )
        if r.status_code != 200:
            return
        at = r.text.find(email)
        found = re.search(r"stakeholders/([0-9a-f-]{36})/invite/", r.text[at:]) if at >= 0 else None
        if not found:
            return
        url = f"{base}{found.group(1)}/invite/"
        with self.client.post(
            url, headers=self.csrf(), name="seller: invite", catch_response=True
        ) as r:
            if r.status_code == 200:
                LEDGER["invites"].append(email)
            elif r.status_code == 429:  # the seller's invitation limit (RATE_LIMITS), in words:
                r.success()  # the app's answer to a burst, not a failure; nothing was sent


class Manager(Person):
    """Watches the organisation: the dashboard and a room's analytics."""

    fixed_count = int(os.environ.get("LOADTEST_MANAGERS", "5"))
    wait_time = between(3, 8)

    def on_start(self) -> None:
        seat = next(_manager_seats) % len(CROWD["managers"])
        self.client.cookies.set("sessionid", CROWD["managers"][seat]["cookie"])
        self.room = random.choice(CROWD["rooms"])

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", name="manager: dashboard")

    @task(2)
    def analytics(self) -> None:
        self.room = random.choice(CROWD["rooms"])
        self.client.get(f"/rooms/{self.room['id']}/analytics/", name="manager: room analytics")


class ApiScript(HttpUser):
    """A CRM's script creating rooms from templates through the API."""

    fixed_count = 1
    wait_time = between(2, 4)

    @task
    def create_room(self) -> None:
        company = f"lt-api-{uuid.uuid4().hex[:12]}"
        target = datetime.datetime.now(tz=datetime.UTC).date() + datetime.timedelta(
            days=random.randint(30, 200)
        )
        body = {
            "buyer_company": company,
            "target_date": target.isoformat(),
            "template": random.choice(["enterprise", "smb", "onboarding"]),
        }
        headers = {"Authorization": f"Bearer {CROWD['api_token']}"}
        LEDGER["sent"].append(company)
        r = self.client.post("/api/v1/rooms/", json=body, headers=headers, name="api: create room")
        if r.status_code == 201:
            LEDGER["sent"].remove(company)
            LEDGER["api_rooms"].append(company)
