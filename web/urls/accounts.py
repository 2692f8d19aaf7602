from django.urls import path

from web.views import accounts as views
from web.views import branding as branding_views
from web.views import governance as governance_views
from web.views import security as security_views
from web.views import sso as sso_views

urlpatterns = [
    path("orgs/new/", views.organisation_create_view, name="organisation_create"),
    path(
        "orgs/<uuid:organisation_id>/switch/", views.organisation_switch, name="organisation_switch"
    ),
    path("orgs/<uuid:organisation_id>/members/", views.member_list, name="member_list"),
    path(
        "orgs/<uuid:organisation_id>/settings/",
        views.organisation_settings,
        name="organisation_settings",
    ),
    path(
        "orgs/<uuid:organisation_id>/settings/branding/",
        branding_views.organisation_branding,
        name="organisation_branding",
    ),
    path("brand/<str:name>", branding_views.brand_logo, name="brand_logo"),
    path(
        "orgs/<uuid:organisation_id>/members/<uuid:membership_id>/role/",
        views.member_set_role,
        name="member_set_role",
    ),
    path(
        "orgs/<uuid:organisation_id>/members/<uuid:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "orgs/<uuid:organisation_id>/invitations/",
        views.invitation_create_view,
        name="invitation_create",
    ),
    path(
        "orgs/<uuid:organisation_id>/invitations/<uuid:invitation_id>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "orgs/<uuid:organisation_id>/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "invitations/<uuid:invitation_id>/accept/",
        views.invitation_accept_mine,
        name="invitation_accept_mine",
    ),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("orgs/<uuid:organisation_id>/audit/", governance_views.audit_log, name="audit_log"),
    path(
        "orgs/<uuid:organisation_id>/audit/export/",
        governance_views.audit_export,
        name="audit_export",
    ),
    path(
        "orgs/<uuid:organisation_id>/data/",
        governance_views.organisation_data,
        name="organisation_data",
    ),
    path(
        "orgs/<uuid:organisation_id>/data/export/",
        governance_views.organisation_export_start,
        name="organisation_export_start",
    ),
    path(
        "orgs/<uuid:organisation_id>/data/exports/<uuid:export_id>/",
        governance_views.organisation_export_status,
        name="organisation_export_status",
    ),
    path(
        "exports/<str:token>/",
        governance_views.organisation_export_download,
        name="organisation_export_download",
    ),
    path(
        "orgs/<uuid:organisation_id>/security/",
        security_views.organisation_security,
        name="organisation_security",
    ),
    path(
        "orgs/<uuid:organisation_id>/security/single-sign-on/",
        sso_views.organisation_sso,
        name="organisation_sso",
    ),
    path(
        "orgs/<uuid:organisation_id>/security/single-sign-on/remove/",
        sso_views.organisation_sso_remove,
        name="organisation_sso_remove",
    ),
    path("settings/two-factor/", security_views.two_factor_setup, name="two_factor_setup"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "settings/api-tokens/<uuid:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
]
