"""Slack text read back: the question in a mention, DM or command, and a thread's messages as
chat history. Pure functions; no Slack client here."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from .slack_blocks import EVENT_NOTICE, EVENT_PENDING, TRANSIENT_TEXTS

#: Message subtypes written by a person; every other subtype is an edit, a join, a bot...
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z_^]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack message text as a person wrote it: mentions of the bot removed, other mentions,
    channels and links shown by name, entities decoded, whitespace collapsed."""
    def mention(m: re.Match) -> str:
        if bot_user_id and m.group(1) == bot_user_id:
            return " "
        return "@" + (m.group(2) or m.group(1))

    text = _MENTION.sub(mention, text or "")
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + (m.group(2) or m.group(1).split("^")[0]), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return " ".join(html.unescape(text).split())


def clean_question(text: str, bot_user_id: str | None = None) -> str:
    """The question in a mention or DM: the bot's mention dropped, and any other leading
    mentions too ("<@U123> <@U456> who...": the question starts after them)."""
    text = re.sub(r"^(?:\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+", " ", text or "")
    return plain_text(text, bot_user_id)


def history_from_replies(messages: Iterable[Mapping], *, before_ts: str,
                         bot_user_id: str | None, bot_id: str | None,
                         max_messages: int) -> list[dict]:
    """``conversations.replies`` messages older than ``before_ts`` as chat history turns
    (``{"role": "user"|"assistant", "content"}``), oldest first, at most ``max_messages``.
    The bot's answers are assistant turns; its placeholders and notices, and other bots, are not
    turns at all. An answer whose question is not in the thread (``/ask`` posts it top-level)
    brings its question along from the message metadata."""
    turns: list[dict] = []
    for msg in sorted(messages, key=lambda m: float(m.get("ts") or 0)):
        if float(msg.get("ts") or 0) >= float(before_ts):
            continue
        mine = (bot_id and msg.get("bot_id") == bot_id) or (
            bot_user_id and msg.get("user") == bot_user_id)
        if mine:
            meta = msg.get("metadata") or {}
            kind = meta.get("event_type")
            if kind in (EVENT_PENDING, EVENT_NOTICE):
                continue
            content = (msg.get("text") or "").strip()
            if not content or (not kind and content in TRANSIENT_TEXTS):
                continue
            asked = ((meta.get("event_payload") or {}).get("question") or "").strip()
            if asked and (not turns or turns[-1]["role"] != "user"):
                turns.append({"role": "user", "content": asked})
            turns.append({"role": "assistant", "content": html.unescape(content)})
        elif msg.get("bot_id") or msg.get("subtype") not in PERSON_SUBTYPES:
            continue
        else:
            content = plain_text(msg.get("text") or "", bot_user_id)
            if content:
                turns.append({"role": "user", "content": content})
    return turns[-max_messages:] if max_messages > 0 else []
