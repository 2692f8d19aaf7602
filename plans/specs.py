"""The shape of a plan template, shared by the built-in templates and an organisation's own.

Offsets are whole days from the template's anchor: negative before the target date for a
template that plans backward, positive after the start date for one that plans forward.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskSpec:
    title: str
    side: str  # "buyer" or "seller"
    offset: int | None
    description: str = ""
    internal: bool = False


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    offset: int | None
    description: str = ""
    tasks: tuple[TaskSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    name: str
    description: str
    direction: str  # "backward" or "forward"
    milestones: tuple[MilestoneSpec, ...]

    @property
    def task_count(self) -> int:
        return sum(len(milestone.tasks) for milestone in self.milestones)
