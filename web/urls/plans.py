from django.urls import path

from web.views import imports as import_views
from web.views import plans as views

# Under rooms/<uuid:room_id>/ (rooms/urls.py).
urlpatterns = [
    # The plan as a spreadsheet, a room's or a template's (plans.exports)
    path("export.csv", views.plan_export_view, {"kind": "csv"}, name="plan_export_csv"),
    path("export.xlsx", views.plan_export_view, {"kind": "xlsx"}, name="plan_export_xlsx"),
    path("import/", import_views.plan_import_upload, name="plan_import"),
    path("import/<str:token>/", import_views.plan_import_preview_view, name="plan_import_preview"),
    path("milestones/", views.milestone_add, name="milestone_add"),
    path("milestones/<uuid:milestone_id>/edit/", views.milestone_edit, name="milestone_edit"),
    path(
        "milestones/<uuid:milestone_id>/delete/",
        views.milestone_delete_view,
        name="milestone_delete",
    ),
    path("milestones/<uuid:milestone_id>/move/", views.milestone_move_view, name="milestone_move"),
    path("milestones/<uuid:milestone_id>/tasks/", views.task_add, name="task_add"),
    path("tasks/<uuid:task_id>/", views.task_detail, name="task_detail"),
    path("tasks/<uuid:task_id>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<uuid:task_id>/toggle/", views.task_toggle, name="task_toggle"),
    path("tasks/<uuid:task_id>/take/", views.task_take_view, name="task_take"),
    path("tasks/<uuid:task_id>/delete/", views.task_delete_view, name="task_delete"),
    path("tasks/<uuid:task_id>/move/", views.task_move_view, name="task_move"),
    path("tasks/<uuid:task_id>/comments/", views.comment_add, name="task_comment_add"),
    path("comments/", views.comment_add, name="room_comment_add"),
]
