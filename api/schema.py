"""The OpenAPI schema's house rules (drf-spectacular), applied in one place.

- Every operation documents the errors it can answer: 400 (field errors), 401, 403, 404, 429,
  and 413 for writes, in two shared components.
- Request bodies accept no property the schema does not name (``additionalProperties: false``):
  the serializers refuse unknown fields, and the schema says so.
- Fields only sellers receive are described "Sellers only: …" and are not required in responses.
- A write that takes ``If-Match`` (api.views.base.IF_MATCH) answers 412 with the object as it is
  now; it and the read of the same object answer with the object's ``ETag``.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

SELLER_ONLY = "Sellers only: "

ERROR = {
    "type": "object",
    "description": "What went wrong.",
    "properties": {"detail": {"type": "string", "description": "A sentence saying why."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "The request's mistakes by field name (``non_field_errors`` for the request as a "
        "whole; ``detail`` for a body that is not JSON): a list of sentences each."
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
}
ERROR_RESPONSES = {
    "400": ("FieldErrors", "The request is malformed or a field is invalid."),
    "401": ("Error", "No token, or a token that is unknown, revoked or expired."),
    "403": (
        "Error",
        "You may see this but not do this (e.g. a buyer and a seller-only action), or the "
        "session's CSRF token is missing.",
    ),
    "404": ("Error", "Not found, or not yours to see: the two are indistinguishable."),
    "429": ("Error", "Too many requests for this token: wait as Retry-After says."),
}
WRITE_ERROR_RESPONSES = {
    "413": ("Error", "The request body is too large."),
    "415": ("Error", "The body is not in a media type the operation takes."),
}
WRITES = {"post", "put", "patch", "delete"}


def _etag() -> dict[str, Any]:
    return {
        "ETag": {
            "description": "The object's version: send it back as If-Match to change it safely.",
            "schema": {"type": "string"},
        }
    }


PRECONDITION_FAILED = (
    "Someone changed it since the If-Match ETag: nothing was written. Here it is now."
)


class AutoSchema(BaseAutoSchema):
    def get_tags(self) -> list[str]:
        # /api/v1/rooms/{room_id}/tasks/ is about tasks: tag by the last collection named.
        parts = [p for p in self.path.strip("/").split("/") if p and not p.startswith("{")]
        words = [p for p in parts[2:] if p not in {"move", "tick", "stage", "invite", "revoke"}]
        return [words[-1] if words else "api"]


def postprocess(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
        elif "required" in component:
            props = component.get("properties", {})
            component["required"] = [
                field
                for field in component["required"]
                if not props.get(field, {}).get("description", "").startswith(SELLER_ONLY)
            ]
            if not component["required"]:
                del component["required"]
    for operations in result.get("paths", {}).values():
        _versioned(operations)
        for method, operation in operations.items():
            extra = {**ERROR_RESPONSES, **(WRITE_ERROR_RESPONSES if method in WRITES else {})}
            for code, (component, description) in extra.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{component}"}
                            }
                        },
                    },
                )
    return result


def _versioned(operations: dict[str, Any]) -> None:
    """ETag on the read and the write of an object whose write takes If-Match, and the 412."""
    write = operations.get("patch")
    if write is None or not any(p["name"] == "If-Match" for p in write.get("parameters", [])):
        return
    ok = write["responses"]["200"]
    write["responses"]["412"] = {**ok, "description": PRECONDITION_FAILED, "headers": _etag()}
    ok["headers"] = _etag()
    if "get" in operations:
        operations["get"]["responses"]["200"]["headers"] = _etag()


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Bearer tdm_…`.",
        }
