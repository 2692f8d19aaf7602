"""The room page's data, in a fixed number of queries whatever the size of the plan."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import Side
from plans.models import Comment, Milestone, Status, Task
from rooms.access import RoomAccess
from rooms.models import Resource
from stakeholders.models import KEY_ROLES, BuyingRole, Stakeholder


@dataclass
class Progress:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class MilestoneView:
    milestone: Milestone
    tasks: list[Task] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    add_form: Any = None  # the "add a task" form, set by web.room_page for sellers


@dataclass
class RoomPage:
    access: RoomAccess
    today: date
    milestones: list[MilestoneView]
    progress: Progress
    buyers: list[Stakeholder]
    sellers: list[Stakeholder]
    missing_roles: list[str]
    discussion: list[Comment]
    resources: list[Resource]
    overdue_count: int

    @property
    def stakeholder_groups(self) -> list[tuple[str, list[Stakeholder]]]:
        room = self.access.room
        return [(room.buyer_company or "Buyer", self.buyers), ("Our team", self.sellers)]


def plan_tasks(access: RoomAccess) -> list[Task]:
    """Tasks with their owner and comment count, in plan order: two queries.

    The counts come from a query of their own: counting in the tasks' query would make
    PostgreSQL group by every task column.
    """
    tasks = list(
        access.tasks()
        .select_related("owner")
        .defer("description", "created_at", "updated_at", "completed_by", "owner__created_at")
        .order_by("milestone__position", "milestone_id", "position", "pk")
    )
    counts = comment_counts(access)
    for task in tasks:
        task.comment_count = counts.get(task.pk, 0)
    return tasks


def comment_counts(access: RoomAccess, task: Task | None = None) -> dict[int, int]:
    comments = access.comments().exclude(task=None)
    if task is not None:
        comments = comments.filter(task=task)
    return dict(comments.values_list("task_id").annotate(n=Count("pk")).values_list("task_id", "n"))


def mark_overdue(task: Task, today: date) -> Task:
    task.is_overdue = bool(task.due_date and task.due_date < today and task.status != Status.DONE)
    return task


def room_page(access: RoomAccess) -> RoomPage:
    """Queries: stakeholders, milestones, tasks, discussion, resources."""
    room = access.room
    today = timezone.localdate()
    stakeholders = list(room.stakeholders.all())
    views = [MilestoneView(m) for m in room.milestones.all()]
    by_id = {view.milestone.pk: view for view in views}
    progress = Progress()
    overdue = 0
    for task in plan_tasks(access):
        view = by_id[task.milestone_id]
        view.tasks.append(task if room.is_template else mark_overdue(task, today))
        view.progress.total += 1
        progress.total += 1
        if task.is_done:
            view.progress.done += 1
            progress.done += 1
        overdue += task.is_overdue
    buyers = [s for s in stakeholders if s.side == Side.BUYER]
    present = {s.role for s in buyers}
    missing = [BuyingRole(role).label for role in KEY_ROLES if role not in present]
    discussion = list(
        access.comments().filter(task=None).select_related("author").order_by("created_at", "pk")
    )
    resources = list(access.resources().select_related("created_by").order_by("position", "pk"))
    return RoomPage(
        access=access,
        today=today,
        milestones=views,
        progress=progress,
        buyers=buyers,
        sellers=[s for s in stakeholders if s.side == Side.SELLER],
        missing_roles=missing,
        discussion=discussion,
        resources=resources,
        overdue_count=overdue,
    )


def milestone_progress(access: RoomAccess, milestone: Milestone) -> tuple[Progress, Progress]:
    """After a tick: the milestone's progress and the plan's, in one query."""
    counts = access.tasks().aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=Status.DONE)),
        m_total=Count("pk", filter=Q(milestone=milestone)),
        m_done=Count("pk", filter=Q(milestone=milestone, status=Status.DONE)),
    )
    return (
        Progress(done=counts["m_done"], total=counts["m_total"]),
        Progress(done=counts["done"], total=counts["total"]),
    )


# How long a task a buyer ticked stays in their list, ticked: long enough to see it and undo.
RECENTLY_DONE = timedelta(days=2)


@dataclass
class BuyerTasks:
    """The top of a buyer's room page: their own tasks, and their side's that nobody has."""

    mine: list[Task]
    unclaimed: list[Task]

    @property
    def open_count(self) -> int:
        return sum(1 for task in self.mine if task.status != Status.DONE)


def buyer_tasks(access: RoomAccess) -> BuyerTasks:
    """One query: the buyer's own tasks (open ones, and those done in the last two days, shown
    ticked), and the open, unassigned tasks of the buyer's side, by due date."""
    buyer = access.buyer
    if buyer is None:
        return BuyerTasks(mine=[], unclaimed=[])
    today = timezone.localdate()
    recently = timezone.now() - RECENTLY_DONE
    open_ = ~Q(status=Status.DONE)
    tasks = (
        access.tasks()
        .filter(
            Q(owner=buyer, completed_at__gte=recently)
            | Q(owner=buyer) & open_
            | Q(owner=None, side=Side.BUYER) & open_
        )
        .select_related("milestone")
        .defer("description", "created_at", "updated_at", "completed_by")
        .order_by(F("due_date").asc(nulls_last=True), "milestone__position", "position", "pk")
    )
    mine: list[Task] = []
    unclaimed: list[Task] = []
    for task in tasks:
        mark_overdue(task, today)
        (mine if task.owner_id == buyer.pk else unclaimed).append(task)
    return BuyerTasks(mine=mine, unclaimed=unclaimed)
