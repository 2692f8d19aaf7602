"""Every kind of event, in one place, and the rules that read kinds.

Most events happen in a room. Some happen to the organisation itself (members, invitations,
API tokens, security settings, exports, erasures): they are recorded the same way with no
room (``activity.record``), and the audit log (governance) is a projection of both.
"""

from datetime import timedelta

from django.db import models


class EventKind(models.TextChoices):
    ROOM_CREATED = "room.created", "Room created"
    ROOM_UPDATED = "room.updated", "Room details updated"
    ROOM_STAGE_CHANGED = "room.stage_changed", "Stage changed"
    ROOM_SAVED_AS_TEMPLATE = "room.saved_as_template", "Saved as a template"
    ROOM_VIEWED = "room.viewed", "Room viewed"
    ROOM_TIME = "room.time", "Time on the room page"
    MILESTONE_CREATED = "milestone.created", "Milestone added"
    MILESTONE_UPDATED = "milestone.updated", "Milestone updated"
    MILESTONE_DELETED = "milestone.deleted", "Milestone deleted"
    TASK_CREATED = "task.created", "Task added"
    TASK_UPDATED = "task.updated", "Task updated"
    TASK_DELETED = "task.deleted", "Task deleted"
    TASK_COMPLETED = "task.completed", "Task completed"
    TASK_REOPENED = "task.reopened", "Task reopened"
    TASK_VIEWED = "task.viewed", "Task viewed"
    COMMENT_CREATED = "comment.created", "Comment"
    STAKEHOLDER_ADDED = "stakeholder.added", "Person added"
    STAKEHOLDER_UPDATED = "stakeholder.updated", "Person updated"
    STAKEHOLDER_REMOVED = "stakeholder.removed", "Person removed"
    STAKEHOLDER_INVITED = "stakeholder.invited", "Buyer invited"
    STAKEHOLDER_REVOKED = "stakeholder.revoked", "Buyer's access revoked"
    BUYER_FIRST_VISIT = "buyer.first_visit", "Buyer's first visit"
    INVITATION_OPENED = "invitation.opened", "Buyer link opened"
    RESOURCE_ADDED = "resource.added", "File or link shared"
    RESOURCE_DELETED = "resource.deleted", "File or link removed"
    RESOURCE_MOVED = "resource.moved", "File or link moved"
    RESOURCE_OPENED = "resource.opened", "File or link opened"
    ROOM_OWNER_CHANGED = "room.owner_changed", "Room handed to a new owner"
    # Recorded by analytics (analytics.health_changes) when a room's computed health moves
    # between on track, at risk and stalled: no actor, data {"from", "state", "reason"}.
    ROOM_HEALTH_CHANGED = "room.health_changed", "Health changed"
    # Organisation events: no room.
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation withdrawn"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    ORGANISATION_SETTINGS_CHANGED = "organisation.settings_changed", "Settings changed"
    SECURITY_SETTINGS_CHANGED = "organisation.security_changed", "Sign-in settings changed"
    BRANDING_CHANGED = "organisation.branding_changed", "Branding changed"
    SSO_CHANGED = "organisation.sso_changed", "Single sign-on changed"
    TEMPLATE_DELETED = "template.deleted", "Template deleted"
    # For the integrations app (issue 14): what an admin did to a webhook endpoint. Record
    # with activity.record(room_id=None, kind=EventKind.WEBHOOK_..., data={"endpoint": ...}).
    WEBHOOK_CREATED = "webhook.created", "Webhook added"
    WEBHOOK_UPDATED = "webhook.updated", "Webhook changed"
    WEBHOOK_DELETED = "webhook.deleted", "Webhook deleted"
    DATA_EXPORTED = "organisation.exported", "Organisation exported"
    AUDIT_EXPORTED = "audit.exported", "Audit log exported"
    PERSON_ERASED = "person.erased", "A person's data erased"


# What counts as looking rather than doing: views make visits; everything else is an action.
VIEW_KINDS = (EventKind.ROOM_VIEWED, EventKind.TASK_VIEWED, EventKind.RESOURCE_OPENED)
# The seconds a page stayed visible (the room page's beacon).
TIME_KIND = EventKind.ROOM_TIME
# What the activity feed shows: every change, and a view only when it starts a visit.
IN_FEED = ~models.Q(kind__in=(*VIEW_KINDS, TIME_KIND)) | models.Q(starts_visit=True)


def in_feed(kind: str, starts_visit: bool) -> bool:
    """IN_FEED, for an event in hand."""
    return kind not in (*VIEW_KINDS, TIME_KIND) or starts_visit


# What buyer alerts leave out: a file opened is news, reading is not.
QUIET_KINDS = (EventKind.ROOM_VIEWED, EventKind.TASK_VIEWED, TIME_KIND)
# A buyer's link opened: it leads to a view of the room, which is what counts; the event
# itself only says when they were last active.
LINK_KINDS = (EventKind.BUYER_FIRST_VISIT, EventKind.INVITATION_OPENED)

# Views by one person in one room less than this apart are one visit.
VISIT_GAP = timedelta(minutes=30)


def starts_visit(previous_view_at, at) -> bool:
    """The visit rule, the one place it is written: a view starts a visit unless the same
    person viewed the same room less than VISIT_GAP before it."""
    return previous_view_at is None or at - previous_view_at > VISIT_GAP
