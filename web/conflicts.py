"""The edit forms' answer to a conflict (rooms.conflicts): someone saved since the form was
opened. The form comes back (409) with what the person typed in its fields, what is saved now
under each field that differs, and the saved version in its hidden field: saving again keeps
theirs over the saved one, Cancel keeps the saved one."""

from dataclasses import dataclass
from datetime import date
from typing import TypeVar, cast

from django import forms
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.formats import date_format

from web.http import AuthedRequest

Form = TypeVar("Form", bound=forms.BaseForm)


@dataclass(frozen=True)
class Saved:
    """What is saved now in a field whose posted value differs (the field's ``conflict``)."""

    text: str


def _shown(field: forms.Field, value: object) -> str:
    """A value as the person reads it: a choice's label, Yes or No, or the text."""
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if value in (None, ""):
        return "(empty)"
    if isinstance(value, date):
        return date_format(value)
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {str(key): str(label) for key, label in choices}
        return labels.get(str(value), str(value))
    return str(value)


def conflict_form(posted: Form, saved: Form, version: int) -> Form:
    """``posted`` (bound to what was sent, not yet validated) ready to be shown again: its
    version is the saved one, and each field that differs from ``saved`` (the same form,
    unbound, for the object as it is now) carries what is saved."""
    data = cast(QueryDict, posted.data).copy()  # the request's POST: a copy can be changed
    data["version"] = str(version)
    posted.data = data
    for name, field in posted.fields.items():
        if name == "version" or field.disabled:
            continue
        saved_value = saved[name].value()
        if field.has_changed(saved_value, posted[name].data):
            field.conflict = Saved(_shown(field, saved_value))  # type: ignore[attr-defined]
    posted.conflicts = True  # type: ignore[attr-defined]
    return posted


def form_conflict(request: AuthedRequest, template: str, context: dict) -> HttpResponse:
    """409 with the form shown again: the fragment for HTMX, the whole form page otherwise."""
    name = f"{template}#form" if request.htmx else template
    return render(request, name, context, status=409)
