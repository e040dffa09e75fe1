"""Helpers for the web tests: the real app over a store, its OpenAPI schemas as JSON Schema,
Server-Sent Events parsing, and serving the app on a loopback port."""

from __future__ import annotations

import copy
import json
import threading

from jsonschema import Draft202012Validator

from qa.config import WebSettings


def web_settings(service, **web):
    """The service's settings with the web section replaced (rate limit off unless given)."""
    web.setdefault("rate_limit_per_minute", 0)
    web.setdefault("slack_rate_limit_per_minute", 0)
    return service.settings.model_copy(update={"web": WebSettings(**web)})


def make_app(service, **web):
    """``create_app`` over ``service`` with web settings for a test."""
    from qa.web import create_app

    return create_app(service, web_settings(service, **web))


def _json_schema(node):
    """An OpenAPI schema as JSON Schema (3.1 schemas are JSON Schema already; a 3.0 ``nullable``
    would become a ``null`` type)."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
    return out


class Contract:
    """Validates real responses against the app's own ``/openapi.json``."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.components = _json_schema(copy.deepcopy(spec["components"]))

    def validator(self, schema: dict) -> Draft202012Validator:
        return Draft202012Validator({**_json_schema(schema), "components": self.components})

    def check(self, path: str, method: str, resp) -> dict:
        """Asserts that ``resp`` (a Flask test response) matches the spec; returns its JSON."""
        op = self.spec["paths"][path][method.lower()]
        declared = op["responses"].get(str(resp.status_code))
        assert declared is not None, f"{method} {path} answered {resp.status_code}, not in the spec"
        assert resp.mimetype == "application/json", resp.mimetype
        body = resp.get_json()
        schema = declared["content"]["application/json"]["schema"]
        errors = sorted(self.validator(schema).iter_errors(body), key=str)
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        return body

    def schema(self, name: str) -> Draft202012Validator:
        return self.validator({"$ref": f"#/components/schemas/{name}"})


def sse_events(text: str) -> list[dict]:
    """The ``data:`` payloads of a Server-Sent Events body, in order."""
    events = []
    for frame in text.split("\n\n"):
        data = "\n".join(l[5:].lstrip() for l in frame.split("\n") if l.startswith("data:"))
        if data:
            events.append(json.loads(data))
    return events


class LiveServer:
    """The WSGI app on a free loopback port, in a thread (werkzeug's threaded server)."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(10)
