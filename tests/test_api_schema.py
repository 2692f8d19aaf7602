"""The OpenAPI schema: valid with no warning, every field described, and kept by the API
under property-based testing (schemathesis, in process: no server, no network)."""

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.schema import ERROR_RESPONSES
from rooms.access import room_access_for
from rooms.resource_services import resource_add_file
from tests.api_helpers import token_for
from tests.test_resources import png

# Examples per operation and persona: enough to find a crash or a stray shape in every
# operation, few enough to keep the suite quick (about 45 operations x 2 personas).
MAX_EXAMPLES = 10
NEGATIVE_EXAMPLES = 4


def api_schema() -> dict:
    # Through JSON: plain types only, as a client would read it.
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def test_the_schema_is_valid_with_no_warning(tmp_path: Path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/rooms/{room_id}/tasks/{task_id}/tick/" in out.read_text()


def test_every_field_and_parameter_is_described():
    schema = api_schema()
    missing = []
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            if not prop.get("description"):
                missing.append(f"{name}.{field}")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("description"):
                    missing.append(f"{method.upper()} {path} ?{parameter['name']}")
    assert missing == []


def test_every_operation_documents_its_errors():
    schema = api_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert set(ERROR_RESPONSES) <= set(operation["responses"]), f"{method} {path}"
            assert operation.get("summary"), f"{method} {path}"


def test_request_bodies_accept_no_unknown_property():
    components = api_schema()["components"]["schemas"]
    requests = [c for name, c in components.items() if name.endswith("Request")]
    assert requests
    assert all(c["additionalProperties"] is False for c in requests)


def ids_of(world) -> dict[str, str]:
    room = world.room_a1
    upload = SimpleUploadedFile("pixel.png", png(), content_type="image/png")
    resource = resource_add_file(by=room_access_for(world.owner, room), upload=upload)
    return {
        "room_id": str(room.public_id),
        "organisation_id": str(world.org_a.public_id),
        "milestone_id": str(room.milestones.get().public_id),
        "task_id": str(room.tasks.get().public_id),
        "stakeholder_id": str(room.stakeholders.get(user=world.buyer).public_id),
        "comment_id": str(
            room.comments.create(
                organisation=world.org_a, author=world.owner, body="Welcome"
            ).public_id
        ),
        "resource_id": str(resource.public_id),
        "template_id": str(world.template_a.public_id),
    }


@pytest.fixture
def connection_kept_open():
    """As Django's test client does: a request through the WSGI handler must not close the
    test's database connection, and with it the transaction the test runs in, as it ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def run_every_operation(world, persona: str, mode: GenerationMode, examples: int) -> Counter:
    """Every operation, with the room's real ids in its path, as the persona, through the WSGI
    handler; each answer checked as the schema says. Returns the statuses seen."""
    schema = schemathesis.openapi.from_dict(api_schema())
    app = WSGIHandler()
    headers = {"Authorization": f"Bearer {token_for(getattr(world, persona))}"}
    ids = ids_of(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletions last, so that the others still find the objects they are about.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    # Invalid input is checked for server errors only: its answer's shape is the error's.
    checks = (
        [not_a_server_error]
        if mode == GenerationMode.NEGATIVE
        else [
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
    statuses: Counter[int] = Counter()
    for operation in operations:
        path_parameters = {k: v for k, v in ids.items() if "{" + k + "}" in operation.path}

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        def check(case):
            response = case.call(app=app, headers=headers)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=checks, headers=headers)

        check()
    assert len(operations) >= 40
    print(f"{persona} {mode.value}: {len(operations)} operations", dict(statuses))
    return statuses


@pytest.fixture
def api_run(settings, tmp_path, connection_kept_open):
    settings.MEDIA_ROOT = tmp_path
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "100000/min"},
    }
    return run_every_operation


@pytest.mark.parametrize("persona", ["owner", "buyer"])
def test_every_operation_keeps_to_the_schema(world, persona, api_run):
    """Valid input, as a seller and as a buyer: no server error, and every answer's status,
    media type and body as the schema says."""
    statuses = api_run(world, persona, GenerationMode.POSITIVE, MAX_EXAMPLES)
    # The run reached the API's real work, not only its refusals.
    assert sum(n for code, n in statuses.items() if code < 300) > 40


def test_invalid_input_is_never_a_server_error(world, api_run):
    """Input the schema forbids (wrong types, missing and unknown fields, bad ids), as a seller."""
    statuses = api_run(world, "owner", GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    assert statuses[400] > 40
