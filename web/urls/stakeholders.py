from django.urls import path

from web.views import stakeholders as views

# Under rooms/<uuid:room_id>/ (rooms/urls.py).
urlpatterns = [
    path("stakeholders/buyers/", views.buyer_add, name="buyer_add"),
    path("stakeholders/sellers/", views.seller_add, name="seller_add"),
    path(
        "stakeholders/<uuid:stakeholder_id>/edit/", views.stakeholder_edit, name="stakeholder_edit"
    ),
    path(
        "stakeholders/<uuid:stakeholder_id>/remove/",
        views.stakeholder_remove_view,
        name="stakeholder_remove",
    ),
    path(
        "stakeholders/<uuid:stakeholder_id>/move/",
        views.stakeholder_move_view,
        name="stakeholder_move",
    ),
]

urlpatterns += [
    path(
        "stakeholders/<uuid:stakeholder_id>/invite/",
        views.buyer_invite_view,
        name="buyer_invite",
    ),
    path(
        "stakeholders/<uuid:stakeholder_id>/revoke/",
        views.buyer_revoke_view,
        name="buyer_revoke",
    ),
]
