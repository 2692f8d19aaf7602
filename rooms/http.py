"""How the room's views answer: the HTMX fragment, or a redirect for a plain form post."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import reswap, retarget

from accounts.http import AuthedRequest
from plans.forms import CommentForm, MilestoneForm, TaskForm
from plans.selectors import room_page
from rooms.access import RoomAccess
from rooms.forms import StageForm
from stakeholders.forms import BuyerStakeholderForm


def room_url(access: RoomAccess, anchor: str = "") -> str:
    name = "template_detail" if access.room.is_template else "room_detail"
    url = reverse(name, args=[access.room.public_id])
    return f"{url}#{anchor}" if anchor else url


def room_context(access: RoomAccess) -> dict:
    """What the room page and its fragments render from."""
    page = room_page(access)
    return {
        "page": page,
        "new_task_form": TaskForm(stakeholders=page.buyers + page.sellers),
        "new_milestone_form": MilestoneForm(),
        "buyer_form": BuyerStakeholderForm(),
        "stage_form": StageForm(initial={"stage": access.room.stage}),
        "comment_form": CommentForm(),
    }


def plan_updated(request: AuthedRequest, access: RoomAccess, anchor: str = "plan") -> HttpResponse:
    """After a change to the plan: HTMX swaps in the fresh plan; a plain post goes back to it."""
    if not request.htmx:
        return redirect(room_url(access, anchor))
    response = render(request, "plans/plan.html#plan", room_context(access))
    return reswap(retarget(response, "#plan"), "outerHTML")


def stakeholders_updated(request: AuthedRequest, access: RoomAccess) -> HttpResponse:
    if not request.htmx:
        return redirect(room_url(access, "stakeholders"))
    # Owners appear in the plan too, so both are swapped (the panel out of band).
    response = render(request, "rooms/room_updated.html", room_context(access))
    return reswap(retarget(response, "#plan"), "outerHTML")


def form_invalid(request: AuthedRequest, template: str, context: dict) -> HttpResponse:
    """422 with the form and its errors: the fragment for HTMX, the whole form page otherwise."""
    name = f"{template}#form" if request.htmx else template
    return render(request, name, context, status=422)
