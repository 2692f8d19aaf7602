"""The audit log (governance): administrative actions, projected from the event log, kept
unchanged, shown and filtered for admins, exported as CSV and purged after the retention."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.services import api_token_create, api_token_revoke, invitation_accept
from activity.kinds import EventKind
from activity.models import Event
from activity.record import record
from governance.audit import audit_purge
from governance.models import AppendOnlyError, AuditEntry
from plans.services import milestone_create, task_set_done
from rooms.access import room_access_for
from tests.factories import InvitationFactory, MembershipFactory, UserFactory


def entries(org, kind=None):
    found = AuditEntry.objects.filter(organisation_id=org.pk)
    return list(found.filter(kind=kind) if kind else found)


def test_changing_a_members_role_is_audited_with_who_when_and_from_where(client, world):
    client.force_login(world.owner)
    rep = world.membership(world.rep)
    before = timezone.now()
    client.post(
        reverse("member_set_role", args=[world.org_a.public_id, rep.public_id]),
        {"role": Role.MANAGER},
        REMOTE_ADDR="203.0.113.9",
    )
    (entry,) = entries(world.org_a, EventKind.MEMBER_ROLE_CHANGED)
    assert entry.actor_email == "owner@a.example"
    assert entry.summary == "changed rep@a.example's role from rep to manager"
    assert entry.ip_address == "203.0.113.9"
    assert entry.created_at >= before
    assert entry.data == {"member": "rep@a.example", "before": "rep", "after": "manager"}
    # An organisation event in the one event log, with no room: not a second system.
    assert Event.objects.filter(public_id=entry.event_id, room=None).exists()
    assert entries(world.org_b) == []


def test_invitations_sent_and_withdrawn_are_audited(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("invitation_create", args=[world.org_a.public_id]),
            {"email": "newcomer@a.example", "role": Role.REP},
        )
    invitation = world.org_a.invitations.get(email="newcomer@a.example")
    client.post(reverse("invitation_revoke", args=[world.org_a.public_id, invitation.public_id]))
    summaries = [e.summary for e in entries(world.org_a)]
    assert "invited newcomer@a.example as rep" in summaries
    assert "withdrew newcomer@a.example's invitation" in summaries


def test_a_member_joining_by_invitation_is_audited(world):
    newcomer = UserFactory(email="nia@a.example")
    invitation = InvitationFactory(organisation=world.org_a, email=newcomer.email)
    invitation_accept(invitation=invitation, user=newcomer)
    (entry,) = entries(world.org_a, EventKind.MEMBER_JOINED)
    assert entry.actor_email == "nia@a.example"
    assert entry.summary.startswith("joined as rep")


def test_removing_a_member_audits_the_removal_and_each_room_handed_over(client, world):
    client.force_login(world.owner)
    leaving = MembershipFactory(
        organisation=world.org_a, role=Role.REP, user__email="lee@a.example"
    )
    world.room_a2.owner = leaving.user
    world.room_a2.save(update_fields=["owner"])
    manager = world.membership(world.manager)
    client.post(
        reverse("member_remove", args=[world.org_a.public_id, leaving.public_id]),
        {f"owner-{world.room_a2.public_id}": str(manager.public_id)},
    )
    assert not Membership.objects.filter(pk=leaving.pk).exists()
    (removed,) = entries(world.org_a, EventKind.MEMBER_REMOVED)
    assert removed.summary == "removed lee@a.example (rep)"
    (handed,) = entries(world.org_a, EventKind.ROOM_OWNER_CHANGED)
    assert handed.room_name == "Buyer A2"
    assert handed.room_id == world.room_a2.public_id


def test_api_tokens_are_audited_in_each_organisation_of_their_owner_and_a_buyers_nowhere(world):
    MembershipFactory(organisation=world.org_b, user=world.manager, role=Role.REP)
    token, _ = api_token_create(user=world.manager, name="CRM sync")
    api_token_revoke(api_token=token, actor=world.manager)
    for org in (world.org_a, world.org_b):
        kinds = sorted(e.kind for e in entries(org) if e.actor_id == world.manager.pk)
        assert kinds == [EventKind.API_TOKEN_CREATED, EventKind.API_TOKEN_REVOKED]
    api_token_create(user=world.buyer, name="My script")
    assert not AuditEntry.objects.filter(actor_id=world.buyer.pk).exists()


def test_stage_changes_and_template_changes_are_audited_and_ordinary_plan_work_is_not(
    client, world
):
    client.force_login(world.owner)
    client.post(reverse("room_stage", args=[world.room_a1.public_id]), {"stage": "won"})
    (stage,) = entries(world.org_a, EventKind.ROOM_STAGE_CHANGED)
    assert stage.room_name == "Buyer A1"
    # Ticking a task in a room is plan work, not administration.
    task = world.room_a1.milestones.get().tasks.get()
    task_set_done(task=task, done=True, by=room_access_for(world.owner, world.room_a1))
    assert entries(world.org_a, EventKind.TASK_COMPLETED) == []
    # A template's plan is what every future room starts from: its changes are kept.
    milestone_create(by=room_access_for(world.owner, world.template_a), title="Security review")
    (changed,) = entries(world.org_a, EventKind.MILESTONE_CREATED)
    assert changed.room_name == "Template A"
    client.post(reverse("template_delete", args=[world.template_a.public_id]))
    (deleted,) = entries(world.org_a, EventKind.TEMPLATE_DELETED)
    assert deleted.summary == "deleted the template “Template A”"
    # ...and the entry about the template outlives it (nothing cascades into the log).
    assert AuditEntry.objects.filter(pk=changed.pk).exists()


def test_organisation_settings_are_audited(client, world):
    client.force_login(world.owner)
    client.post(
        reverse("organisation_settings", args=[world.org_a.public_id]),
        {"timezone": "Europe/Paris", "reminder_days_before": 3, "date_order": "dmy"},
    )
    (entry,) = entries(world.org_a, EventKind.ORGANISATION_SETTINGS_CHANGED)
    assert entry.data["timezone"] == "Europe/Paris"


def test_a_webhook_change_recorded_as_an_organisation_event_reaches_the_log(world):
    # What the integrations app (issue 14) does when an admin adds an endpoint.
    with transaction.atomic():
        record(
            organisation_id=world.org_a.pk,
            room_id=None,
            actor_id=world.owner.pk,
            side="seller",
            kind=EventKind.WEBHOOK_CREATED,
            summary="added the webhook https://crm.example/hook",
            is_internal=True,
        )
    (entry,) = entries(world.org_a, EventKind.WEBHOOK_CREATED)
    assert entry.actor_email == "owner@a.example"


# The page and its CSV --------------------------------------------------------------------


def _some_history(world):
    MembershipFactory(organisation=world.org_b, user=world.manager, role=Role.REP)
    api_token_create(user=world.manager, name='=HYPERLINK("http://evil")')
    api_token_create(user=world.owner, name="Owner's token")


def test_admins_see_the_log_newest_first_and_filter_it(client, world):
    _some_history(world)
    client.force_login(world.owner)
    url = reverse("audit_log", args=[world.org_a.public_id])
    page = client.get(url).content.decode()
    assert page.index("Owner&#x27;s token") < page.index("HYPERLINK")
    assert "manager@a.example" in page
    only_owner = client.get(url, {"actor": "owner@"}).content.decode()
    assert "Owner&#x27;s token" in only_owner and "HYPERLINK" not in only_owner
    members = client.get(url, {"category": "members"}).content.decode()
    assert "API token" not in members.split("<tbody>")[-1] if "<tbody>" in members else True
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "Nothing recorded" in client.get(url, {"since": tomorrow}).content.decode()


def test_a_date_range_that_ends_before_it_starts_is_a_field_error(client, world):
    client.force_login(world.owner)
    today = timezone.localdate()
    response = client.get(
        reverse("audit_log", args=[world.org_a.public_id]),
        {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "on or after" in response.content.decode()


def test_another_organisations_entries_never_show(client, world):
    _some_history(world)
    client.force_login(world.outsider)
    page = client.get(reverse("audit_log", args=[world.org_b.public_id])).content.decode()
    assert "manager@a.example" in page  # their own member's token, in their own log
    assert "Owner&#x27;s token" not in page


def test_managers_may_not_read_the_log(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("audit_log", args=[world.org_a.public_id])).status_code == 403
    assert client.get(reverse("audit_export", args=[world.org_a.public_id])).status_code == 403


def test_the_csv_export_holds_the_filtered_log_defused_and_records_itself(client, world):
    _some_history(world)
    client.force_login(world.owner)
    response = client.get(
        reverse("audit_export", args=[world.org_a.public_id]), {"category": "tokens"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Time (UTC)", "Who", "From", "Action", "What", "Room", "Details"]
    whats = [row[4] for row in rows[1:]]
    assert "created the API token “Owner's token”" in whats
    assert 'created the API token “=HYPERLINK("http://evil")”' in whats
    # The export itself is an entry (not in this file: it was filtered to tokens).
    (exported,) = entries(world.org_a, EventKind.AUDIT_EXPORTED)
    assert exported.actor_email == "owner@a.example"
    everything = client.get(reverse("audit_export", args=[world.org_a.public_id]))
    assert "exported the audit log as CSV" in everything.content.decode("utf-8-sig")


def test_a_cell_that_starts_a_formula_is_defused_in_the_csv(client, world):
    with transaction.atomic():
        record(
            organisation_id=world.org_a.pk,
            room_id=None,
            actor_id=None,
            side="",
            kind=EventKind.WEBHOOK_DELETED,
            summary="=cmd|' /C calc'!A0",
        )
    client.force_login(world.owner)
    body = client.get(reverse("audit_export", args=[world.org_a.public_id])).content.decode()
    assert "'=cmd|" in body
    assert "\n=cmd" not in body and ",=cmd" not in body


# Append-only and retention ------------------------------------------------------------------


def _an_entry(world, days_ago=0):
    with transaction.atomic():
        event = record(
            organisation_id=world.org_a.pk,
            room_id=None,
            actor_id=world.owner.pk,
            side="seller",
            kind=EventKind.SECURITY_SETTINGS_CHANGED,
            summary=f"changed sign-in settings {days_ago} days ago",
        )
    entry = AuditEntry.objects.get(event_id=event.public_id)
    if days_ago:
        # Backdating needs the one write the log refuses: done below the model, in SQL, and
        # only possible on SQLite (PostgreSQL's trigger refuses it; see the test that says so).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE governance_auditentry SET created_at = %s WHERE id = %s",
                [timezone.now() - timedelta(days=days_ago), entry.pk],
            )
    return entry


def test_the_code_has_no_path_to_change_or_delete_an_entry(world):
    entry = _an_entry(world)
    entry.summary = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_or_delete_an_entry_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (SQLite: the code refuses)")
    entry = _an_entry(world)
    for sql in (
        "UPDATE governance_auditentry SET summary = 'nothing happened' WHERE id = %s",
        "DELETE FROM governance_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == entry.summary


def test_the_purge_deletes_only_entries_past_the_retention(world, settings):
    if connection.vendor == "postgresql":
        pytest.skip("backdating an entry is refused by the trigger; see the next test")
    settings.AUDIT_LOG_RETENTION_DAYS = 30
    old = _an_entry(world, days_ago=31)
    recent = _an_entry(world, days_ago=29)
    assert audit_purge() == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_purge_is_the_one_delete_the_trigger_lets_through_on_postgresql(world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    settings.AUDIT_LOG_RETENTION_DAYS = 30
    entry = _an_entry(world)
    # Nothing is old enough yet: a purge "in 31 days" is the same as waiting for them.
    assert audit_purge(now=timezone.now() + timedelta(days=29)) == 0
    assert audit_purge(now=timezone.now() + timedelta(days=31)) >= 1
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()
    # The flag was SET LOCAL: the next transaction is refused again.
    other = _an_entry(world)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM governance_auditentry WHERE id = %s", [other.pk])


def test_beat_runs_the_purge_nightly(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-purge"]
    assert schedule["task"] == "governance.tasks.audit_purge_task"
