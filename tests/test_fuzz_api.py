"""Property-based requests generated from the OpenAPI spec (schemathesis) against the real app
over the seed store: valid and invalid inputs alike never get a 5xx, every response matches the
spec, and inputs that break the spec are rejected with a 4xx.

The schema is built at import from the same function that serves ``/openapi.json`` (schemathesis'
fixture-based loader does not work with pytest 9); the first test checks that the app serves
exactly that document.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from hypothesis import HealthCheck, settings

from qa.config import Settings
from qa.web.openapi import spec

from .webapp import make_app

SPEC = spec(Settings())
# A negative example that is also bigger than the body limit is rightly refused with 413.
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]}}})
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@pytest.fixture(scope="module")
def fuzz_app(seed_service):
    return make_app(seed_service)


def test_the_fuzzed_spec_is_the_one_the_app_serves(fuzz_app):
    served = fuzz_app.test_client().get("/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == SPEC


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_get_a_server_error(case, fuzz_app):
    response = case.call_and_validate(app=fuzz_app)
    assert response.status_code < 500, response.text
    if response.status_code == 204:
        return
    content_type = {k.lower(): v for k, v in response.headers.items()}["content-type"]
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.startswith(("application/json", "text/event-stream")), (
        response.status_code, response.request.method, response.request.url, response.text[:200])
