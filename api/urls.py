"""/api/v1/…, the schema at /api/schema/ and its interactive docs at /api/docs/."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from api.docs import DocsView
from api.views.imports import PlanImportViewSet
from api.views.integrations import CalendarFeedsViewSet, WebhooksViewSet
from api.views.people import StakeholdersViewSet
from api.views.plan import (
    CommentsViewSet,
    MilestonesViewSet,
    PlanExportViewSet,
    TasksViewSet,
)
from api.views.resources import ResourcesViewSet
from api.views.rooms import EventsViewSet, OrganisationViewSet, RoomsViewSet, TemplatesViewSet

LIST = {"get": "list", "post": "create"}
ITEM = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
ROOM = "rooms/<uuid:room_id>/"

v1 = [
    path("organisations/", OrganisationViewSet.as_view({"get": "list"}), name="organisations"),
    path(
        "organisations/<uuid:organisation_id>/",
        OrganisationViewSet.as_view({"get": "retrieve"}),
        name="organisation",
    ),
    path("rooms/", RoomsViewSet.as_view(LIST), name="rooms"),
    path(ROOM, RoomsViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="room"),
    path(f"{ROOM}stage/", RoomsViewSet.as_view({"post": "stage"}), name="room-stage"),
    path(f"{ROOM}document/", RoomsViewSet.as_view({"get": "document"}), name="room-document"),
    path(f"{ROOM}figures/", RoomsViewSet.as_view({"get": "figures"}), name="room-figures"),
    path(
        f"{ROOM}save-as-template/",
        RoomsViewSet.as_view({"post": "save_as_template"}),
        name="room-save-as-template",
    ),
    # People
    path(f"{ROOM}stakeholders/", StakeholdersViewSet.as_view(LIST), name="stakeholders"),
    path(
        f"{ROOM}stakeholders/sellers/",
        StakeholdersViewSet.as_view({"post": "add_seller"}),
        name="stakeholder-sellers",
    ),
    path(
        f"{ROOM}stakeholders/<uuid:stakeholder_id>/",
        StakeholdersViewSet.as_view(ITEM),
        name="stakeholder",
    ),
    *[
        path(
            f"{ROOM}stakeholders/<uuid:stakeholder_id>/{action}/",
            StakeholdersViewSet.as_view({"post": action}),
            name=f"stakeholder-{action}",
        )
        for action in ("move", "invite", "revoke")
    ],
    # The plan
    path(f"{ROOM}import/", PlanImportViewSet.as_view({"post": "create"}), name="plan-import"),
    path(f"{ROOM}milestones/", MilestonesViewSet.as_view(LIST), name="milestones"),
    path(
        f"{ROOM}milestones/<uuid:milestone_id>/",
        MilestonesViewSet.as_view(ITEM),
        name="milestone",
    ),
    path(
        f"{ROOM}milestones/<uuid:milestone_id>/move/",
        MilestonesViewSet.as_view({"post": "move"}),
        name="milestone-move",
    ),
    path(f"{ROOM}tasks/", TasksViewSet.as_view(LIST), name="tasks"),
    path(f"{ROOM}tasks/<uuid:task_id>/", TasksViewSet.as_view(ITEM), name="task"),
    path(
        f"{ROOM}tasks/<uuid:task_id>/tick/",
        TasksViewSet.as_view({"post": "tick"}),
        name="task-tick",
    ),
    path(
        f"{ROOM}tasks/<uuid:task_id>/move/",
        TasksViewSet.as_view({"post": "move"}),
        name="task-move",
    ),
    path(f"{ROOM}comments/", CommentsViewSet.as_view(LIST), name="comments"),
    path(
        f"{ROOM}comments/<uuid:comment_id>/",
        CommentsViewSet.as_view({"get": "retrieve"}),
        name="comment",
    ),
    *[
        path(
            f"{ROOM}plan/export/{kind}/",
            PlanExportViewSet.as_view({"get": kind}),
            name=f"plan-export-{kind}",
        )
        for kind in ("csv", "xlsx")
    ],
    # Files and links
    path(f"{ROOM}resources/", ResourcesViewSet.as_view({"get": "list"}), name="resources"),
    path(
        f"{ROOM}resources/links/",
        ResourcesViewSet.as_view({"post": "add_link"}),
        name="resource-links",
    ),
    path(
        f"{ROOM}resources/files/",
        ResourcesViewSet.as_view({"post": "upload"}),
        name="resource-files",
    ),
    path(
        f"{ROOM}resources/<uuid:resource_id>/",
        ResourcesViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="resource",
    ),
    path(
        f"{ROOM}resources/<uuid:resource_id>/download/",
        ResourcesViewSet.as_view({"get": "download"}),
        name="resource-download",
    ),
    path(
        f"{ROOM}resources/<uuid:resource_id>/move/",
        ResourcesViewSet.as_view({"post": "move"}),
        name="resource-move",
    ),
    # Templates and events
    path("templates/", TemplatesViewSet.as_view({"get": "list"}), name="templates"),
    path(
        "templates/<str:template_id>/",
        TemplatesViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="template",
    ),
    path("events/", EventsViewSet.as_view({"get": "list"}), name="events"),
    # Integrations
    path("webhooks/", WebhooksViewSet.as_view(LIST), name="webhooks"),
    path("webhooks/<uuid:endpoint_id>/", WebhooksViewSet.as_view(ITEM), name="webhook"),
    path(
        "webhooks/<uuid:endpoint_id>/rotate-secret/",
        WebhooksViewSet.as_view({"post": "rotate_secret"}),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/test/",
        WebhooksViewSet.as_view({"post": "test"}),
        name="webhook-test",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries/",
        WebhooksViewSet.as_view({"get": "deliveries"}),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/send-again/",
        WebhooksViewSet.as_view({"post": "send_again"}),
        name="webhook-send-again",
    ),
    path("calendar-feeds/", CalendarFeedsViewSet.as_view(LIST), name="calendar-feeds"),
    path(
        "calendar-feeds/<uuid:feed_id>/",
        CalendarFeedsViewSet.as_view({"delete": "destroy"}),
        name="calendar-feed",
    ),
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]


def _authenticates_itself(patterns: list) -> None:
    """The API answers a missing or bad token with 401 (rest_framework): the browser's login
    redirect (LoginRequiredMiddleware) is not for it."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _authenticates_itself(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)


_authenticates_itself(urlpatterns)
