"""The Slack edge: a slack-bolt app mounted on the Flask app at ``/slack/events`` (Events API and
interactivity) and ``/slack/commands`` (``/ask``, and ``/disagreements [topic]``: the contested
points across the corpus).

Slack wants an answer to every request within 3 seconds, and answering a question takes longer,
so every listener acknowledges at once and a lazy listener (bolt's ``process_before_response``
mode, which also works under gunicorn) answers afterwards on a small thread pool. Slack re-sends
an event it thinks was not acknowledged; the bot answers each question once: retries are
acknowledged without work, and event IDs and message timestamps already seen are skipped.
slack_bolt stays in this module; ``slack_blocks`` renders answers, ``slack_contests`` the
``/disagreements`` listing, ``slack_text`` reads Slack text back, ``slack_delivery`` keeps the
record of what was answered, ``slack_payload`` checks a signed body's shape before bolt reads it.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, Request, request
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.flask.handler import to_bolt_request, to_flask_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from ..config import Settings
from ..errors import BadRequest, QAError, Unauthorized
from ..service import QAService
from .slack_blocks import (APOLOGY_TEXT, EVENT_PENDING, PENDING_TEXT, USAGE_TEXT, Links,
                           SlackMessage, SourceInfo, notice, render_answer)
from .slack_contests import (SHOWN_CONTESTS, no_contests_text, quoted_articles,
                             render_contests)
from .slack_delivery import AnswerExecutor, RecentKeys, delivery_keys
from .slack_payload import check_payload
from .slack_text import PERSON_SUBTYPES, clean_question, history_from_replies

log = logging.getLogger(__name__)

#: Errors of ``chat.postMessage`` that mean "the bot cannot post here" (a channel it is not in,
#: a private channel), where ``/ask`` answers through the command's response_url instead.
NOT_POSTABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
#: Slack's timestamps are Unix seconds; a longer number is no timestamp (a 400-digit one made
#: slack_sdk's verifier overflow converting it to a float: an unauthenticated 500).
TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
#: The one command that is not a question: the contested points (about a topic).
DISAGREEMENTS = "/disagreements"


class SlackError(QAError):
    """Slack's request that bolt would not handle (the app's one error handler writes it)."""

    code = "slack_error"

    def __init__(self, status: int, message: str):
        super().__init__(message, code="not_found" if status == 404 else "slack_error")
        self.status = status


_UNSIGNED = "invalid or expired Slack request signature"


class SlackBot:
    """The bolt app, its listeners, and the Flask-facing request handler."""

    def __init__(self, service: QAService, settings: Settings,
                 executor: AnswerExecutor | None = None):
        cfg = settings.slack
        if not (cfg.signing_secret and cfg.bot_token):
            raise ValueError("SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are both needed")
        self.service = service
        self.settings = settings
        self.links = Links(settings.web.public_url)
        self.executor = executor or AnswerExecutor()
        self.seen = RecentKeys(settings.store.data_dir / "slack-deliveries.sqlite3")
        self.verifier = SignatureVerifier(cfg.signing_secret)
        api_url = cfg.api_url if cfg.api_url.endswith("/") else cfg.api_url + "/"
        client = WebClient(token=cfg.bot_token, base_url=api_url, timeout=15, logger=log)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        self.bolt = App(
            name="newsqa", logger=log, client=client, signing_secret=cfg.signing_secret,
            process_before_response=True, listener_executor=self.executor,
            # auth.test runs on the first request, not at start-up, so the web app starts
            # even while Slack is unreachable.
            token_verification_enabled=False,
        )
        self.bolt.use(self._once)
        self.bolt.event("app_mention")(ack=self._ack, lazy=[self._answer_mention])
        self.bolt.event("message")(ack=self._ack, lazy=[self._answer_direct_message])
        # /disagreements lists contests; any other command the app defines asks (the manifest's
        # is /ask; rename it there if another app in the workspace already has /ask).
        self.bolt.command(DISAGREEMENTS)(ack=self._ack_disagreements,
                                         lazy=[self._answer_disagreements])
        self.bolt.command(re.compile(r"^/(?!disagreements$)"))(ack=self._ack_ask,
                                                                lazy=[self._answer_command])
        self.bolt.action("qa_open_web")(self._ack)  # link buttons still send a click

    # --- HTTP -------------------------------------------------------------------------------
    def handle(self, req: Request):
        """One Slack request: refused with 401 unless signed by Slack within the last 5 minutes;
        otherwise dispatched to bolt (which verifies it again) and acknowledged at once."""
        body = req.get_data()
        timestamp = req.headers.get("X-Slack-Request-Timestamp") or ""
        try:
            signed = bool(TIMESTAMP_RE.match(timestamp)) and self.verifier.is_valid(
                body, timestamp, req.headers.get("X-Slack-Signature"))
        except (ValueError, OverflowError):
            signed = False
        if not signed:
            raise Unauthorized(_UNSIGNED)
        try:
            check_payload(body, req.mimetype)
            bolt_req = to_bolt_request(req)
        except ValueError as exc:
            raise BadRequest(f"the Slack payload is not usable: {exc}") from None
        resp = self.bolt.dispatch(bolt_req)
        if resp.status == 401:
            raise Unauthorized(_UNSIGNED)
        if resp.status >= 400:
            raise SlackError(resp.status, f"Slack request not handled ({resp.body})")
        return to_flask_response(resp)

    def _once(self, req, next):
        """Acknowledges Slack's retries and repeated deliveries without answering again."""
        if req.headers.get("x-slack-retry-num"):
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        keys = delivery_keys(req.body)
        if keys and not self.seen.first_time(*keys):
            log.info("skipping a repeated Slack delivery: %s", keys)
            return BoltResponse(status=200, body="")
        return next()

    # --- listeners ----------------------------------------------------------------------------
    @staticmethod
    def _ack(ack):
        ack()

    def _ack_ask(self, ack, command):
        """``/ask``: answers Slack at once; the answer itself follows from the lazy listener."""
        question = clean_question(command.get("text") or "")
        if not question:
            return ack(response_type="ephemeral", text=USAGE_TEXT)
        try:
            question = self.service.check_question(question)
        except BadRequest as exc:
            return ack(response_type="ephemeral", text=f"Sorry, {exc.message}.")
        ack(response_type="ephemeral", text=PENDING_TEXT)

    def _ack_disagreements(self, ack, command):
        """``/disagreements [topic]``: answers Slack at once; the listing follows."""
        topic = clean_question(command.get("text") or "")
        if topic:
            try:
                self.service.check_question(topic)
            except BadRequest as exc:
                return ack(response_type="ephemeral", text=f"Sorry, {exc.message}.")
        ack(response_type="ephemeral", text=PENDING_TEXT)

    def _answer_mention(self, event, context, client):
        if event.get("bot_id") or event.get("subtype") not in PERSON_SUBTYPES:
            return
        self._reply_in_thread(event, context, client)

    def _answer_direct_message(self, event, context, client):
        if event.get("channel_type") != "im" or not _from_a_person(event, context):
            return
        self._reply_in_thread(event, context, client)

    def _reply_in_thread(self, event: dict, context, client: WebClient) -> None:
        """Answers in the message's thread: a placeholder at once, replaced by the answer (or by
        an apology when answering fails)."""
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        question = clean_question(event.get("text") or "", context.bot_user_id)
        try:
            question = self.service.check_question(question)
        except BadRequest as exc:
            text = USAGE_TEXT if not question else f"Sorry, {exc.message}."
            self._post(client, channel, thread_ts, notice(text))
            return
        pending = SlackMessage(PENDING_TEXT, metadata={"event_type": EVENT_PENDING,
                                                       "event_payload": {}})
        placeholder = self._post(client, channel, thread_ts, pending)
        if placeholder is None:
            return
        try:
            history = (self._thread_history(client, channel, thread_ts, ts, context)
                       if event.get("thread_ts") else [])
            message = self._render(self.service.ask(question, history=history), question)
            client.chat_update(channel=channel, ts=placeholder, text=message.text,
                               blocks=message.blocks, metadata=message.metadata)
        except Exception:
            log.exception("answering a Slack message failed (channel %s, ts %s)", channel, ts)
            apology = notice(APOLOGY_TEXT)
            try:
                client.chat_update(channel=channel, ts=placeholder, text=apology.text,
                                   blocks=[], metadata=apology.metadata)
            except Exception:
                log.exception("could not post the apology either")

    def _answer_command(self, command, client, respond):
        """``/ask``'s answer: posted to the channel, or through response_url where the bot
        cannot post; an apology (only to the asker) when answering fails."""
        try:
            question = self.service.check_question(clean_question(command.get("text") or ""))
        except BadRequest:
            return  # the acknowledgement already said what is wrong
        try:
            message = self._render(self.service.ask(question), question,
                                   asked_by=command.get("user_id"))
        except Exception:
            log.exception("answering /ask failed")
            respond(text=APOLOGY_TEXT, response_type="ephemeral", replace_original=False)
            return
        self._post_command_reply(command, client, respond, message)

    def _answer_disagreements(self, command, client, respond):
        """``/disagreements [topic]``'s listing: the top contests (nearest in meaning to the
        topic, when one is given) posted to the channel like an ``/ask`` answer; "No
        disagreements found" (only to the asker) when there are none; the same apology as
        ``/ask`` when listing fails."""
        topic = clean_question(command.get("text") or "") or None
        try:
            topic = topic and self.service.check_question(topic)
        except BadRequest:
            return  # the acknowledgement already said what is wrong
        try:
            contests, total = self.service.list_contests(q=topic, limit=SHOWN_CONTESTS)
            if not contests:
                _respond(respond, text=no_contests_text(topic), response_type="ephemeral")
                return
            message = render_contests(contests, total, topic=topic, links=self.links,
                                      asked_by=command.get("user_id"),
                                      sources=self._article_sources(quoted_articles(contests)))
        except Exception:
            log.exception("listing /disagreements failed")
            respond(text=APOLOGY_TEXT, response_type="ephemeral", replace_original=False)
            return
        self._post_command_reply(command, client, respond, message)

    def _post_command_reply(self, command, client: WebClient, respond,
                            message: SlackMessage) -> None:
        """A command's reply posted to the channel, or through response_url where the bot
        cannot post (or the Web API cannot be reached); an apology to the asker otherwise."""
        name = command.get("command") or "the command"
        try:
            client.chat_postMessage(channel=command["channel_id"], text=message.text,
                                    blocks=message.blocks, metadata=message.metadata,
                                    unfurl_links=False, unfurl_media=False)
            return
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_POSTABLE:
                log.exception("posting the %s reply failed", name)
                _respond(respond, text=APOLOGY_TEXT, response_type="ephemeral")
                return
        except Exception:  # noqa: BLE001 - the Web API unreachable: try the response URL
            log.exception("the Web API could not take the %s reply; using the response URL",
                          name)
        if not _respond(respond, text=message.text, blocks=message.blocks,
                        response_type="in_channel"):
            _respond(respond, text=APOLOGY_TEXT, response_type="ephemeral")

    # --- helpers -----------------------------------------------------------------------------
    def _post(self, client: WebClient, channel: str, thread_ts: str,
              message: SlackMessage) -> str | None:
        """Posts in the thread; the new message's ts, or None when Slack refused."""
        try:
            resp = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=message.text,
                blocks=message.blocks or None, metadata=message.metadata,
                unfurl_links=False, unfurl_media=False)
            return resp["ts"]
        except Exception:
            log.exception("could not post to Slack (channel %s)", channel)
            return None

    def _thread_history(self, client: WebClient, channel: str, thread_ts: str, before_ts: str,
                        context) -> list[dict]:
        """The thread's earlier messages as chat history (empty when Slack will not say)."""
        try:
            resp = client.conversations_replies(channel=channel, ts=thread_ts, latest=before_ts,
                                                inclusive=False, limit=200,
                                                include_all_metadata=True)
        except SlackApiError as exc:
            log.warning("no thread history for %s/%s: %s", channel, thread_ts,
                        exc.response.get("error"))
            return []
        return history_from_replies(
            resp.get("messages") or [], before_ts=before_ts, bot_user_id=context.bot_user_id,
            bot_id=context.bot_id, max_messages=2 * self.settings.answer.history_turns)

    def _render(self, answer, question: str, asked_by: str | None = None) -> SlackMessage:
        return render_answer(answer, question=question, links=self.links, asked_by=asked_by,
                             sources=self._contest_sources(answer))

    def _contest_sources(self, answer) -> dict[str, SourceInfo]:
        """Titles of articles that only a contest mentions (citations carry their own)."""
        cited = {c.article_id for c in answer.citations}
        wanted = {cl.article_id for k in answer.contested for s in k.sides for cl in s.claims}
        return self._article_sources(wanted - cited)

    def _article_sources(self, article_ids) -> dict[str, SourceInfo]:
        """Title, outlet and date of each article (those the store no longer has left out)."""
        out = {}
        for article_id in sorted(article_ids):
            try:
                a = self.service.article(article_id).article
            except QAError:
                continue
            out[article_id] = SourceInfo(a.title, a.source, a.date)
        return out


def _respond(respond, **message) -> bool:
    """Sends ``message`` through the command's response URL; False when that failed too."""
    try:
        resp = respond(replace_original=False, **message)
    except Exception:  # noqa: BLE001 - nothing else is left to tell the asker with
        log.exception("the command's response URL could not be reached either")
        return False
    return getattr(resp, "status_code", 200) < 400


def _from_a_person(event: dict, context) -> bool:
    return (not event.get("bot_id") and event.get("subtype") in PERSON_SUBTYPES
            and bool(event.get("user")) and event.get("user") != context.bot_user_id)


def register_slack(app: Flask, service: QAService, settings: Settings) -> SlackBot:
    """Mounts the bot at ``/slack/events`` and ``/slack/commands``; ``app.extensions["slack"]``."""
    bot = SlackBot(service, settings)

    def slack_endpoint():
        return bot.handle(request)

    app.add_url_rule("/slack/events", "slack_events", slack_endpoint, methods=["POST"])
    app.add_url_rule("/slack/commands", "slack_commands", slack_endpoint, methods=["POST"])
    app.extensions["slack"] = bot
    return bot
