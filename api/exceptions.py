"""Errors as JSON: a service's ValidationError is a 400 with field errors, as in the forms."""

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


def field_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError (a form's or a service's) as the API's field errors."""
    if hasattr(error, "error_dict"):
        errors = {
            field: [m for e in errs for m in e.messages] for field, errs in error.error_dict.items()
        }
    else:
        errors = {NON_FIELD_ERRORS: list(error.messages)}
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return errors


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    return drf_exception_handler(exc, context)
