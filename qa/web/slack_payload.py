"""What a signed Slack request must look like before slack-bolt reads it.

bolt trusts a verified body's shape: a signed JSON list, an ``event`` that is a string, or a body
nested past the JSON parser's depth made it fail with a 500. ``check_payload`` refuses those
(the edge answers 400) and lets through everything Slack sends.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs


def check_payload(body: bytes, mimetype: str) -> None:
    """Raises ``ValueError`` unless ``body`` is what Slack sends: a JSON object (events), or a
    form whose ``payload``, if any, is a JSON object (interactivity). A signed JSON list or a
    deeply nested body made bolt fail with a 500."""
    text = body.decode("utf-8")
    if mimetype == "application/json":
        _json_object(text, "the body")
    elif "payload" in (form := parse_qs(text, keep_blank_values=True)):
        _json_object(form["payload"][0], "'payload'")


#: The fields of Slack's envelopes (Events API, interactivity) that bolt or the listeners read,
#: by the type they must have when present (None is allowed where Slack sends null).
_ENVELOPE = {
    "type": str, "token": str, "team_id": str, "api_app_id": str, "event_id": str,
    "enterprise_id": (str, type(None)), "trigger_id": str, "response_url": str,
    "callback_id": str, "event": dict, "user": dict, "team": (dict, type(None)),
    "channel": (dict, type(None)), "container": dict, "view": dict, "message": dict,
    "enterprise": (dict, type(None)), "is_enterprise_install": bool,
    "authorizations": list, "actions": list,
}
_EVENT = {"type": str, "subtype": str, "user": str, "bot_id": str, "text": str, "ts": str,
          "thread_ts": str, "event_ts": str, "channel": str, "channel_type": str, "team": str}


def _json_object(text: str, what: str) -> None:
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} nests too deeply") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object")
    _check_fields(value, _ENVELOPE, what)
    if isinstance(value.get("event"), dict):
        _check_fields(value["event"], _EVENT, "'event'")
    for key in ("authorizations", "actions"):
        if not all(isinstance(x, dict) for x in value.get(key) or []):
            raise ValueError(f"'{key}' must be a list of objects")


def _check_fields(obj: dict, types: dict, what: str) -> None:
    for key, kind in types.items():
        if key in obj and not isinstance(obj[key], kind):
            raise ValueError(f"{key!r} in {what} has the wrong type")
