"""``/disagreements [topic]`` end to end: commands signed with Slack's real algorithm go through
the real Flask app and slack-bolt to the bot, which posts to the local fake of the Slack Web API
(``tests/slack_api_server.py``); the tests read the blocks it posted. The fixtures and helpers
are those of ``tests/test_slack.py``."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from qa.contract import ClaimOut, ListedContestOut, ListedSideOut
from qa.web.slack_blocks import MAX_BLOCKS, SECTION_CHARS, Links
from qa.web.slack_contests import SHOWN_CONTESTS, render_contests
from tests import test_slack
from tests.slack_api_server import TEAM_ID, block_errors
from tests.test_slack import (ALICE, CHANNEL, LINK_RE, PUBLIC, block, linked_articles, signature,
                              texts)

# The fixtures of tests/test_slack.py: the fake Slack, and the app and bot signed requests reach.
fake_slack = test_slack.fake_slack
workspace = test_slack.workspace

RT_ARTICLE = "004_ccca31a72ddb13aa"  # Ghani fled on August 14
TASS_ARTICLE = "001_1534f80bc8e5ddb2"  # ... on August 15


def disagreements(workspace, topic: str = "", **kw):
    return workspace.command(topic, name="/disagreements", **kw)


def posted(workspace) -> dict:
    return workspace.fake.wait_for(lambda: workspace.fake.answered(CHANNEL))[0]


def contest_blocks(message) -> list[tuple[str, list[str]]]:
    """Each listed contest as (its heading, [its sides' texts]), in order."""
    out = []
    for b in message["blocks"]:
        bid = b.get("block_id") or ""
        if re.fullmatch(r"contest-\d+", bid):
            out.append((b["text"]["text"], []))
        elif re.fullmatch(r"contest-\d+-side-\d+", bid):
            out[-1][1].append(b["text"]["text"])
    return out


def ghani(contests):
    found = [c for c in contests if "Ghani" in c[0]]
    assert len(found) == 1, [c[0] for c in contests]
    return found[0]


def side_with(sides: list[str], words: str) -> str:
    found = [s for s in sides if s.startswith(f"*{words}")]
    assert len(found) == 1, sides
    return found[0]


# --- listing -------------------------------------------------------------------------------------
def test_disagreements_without_a_topic_posts_the_top_contests_with_each_side(
        workspace, seed_service):
    resp = disagreements(workspace)
    assert resp.status_code == 200
    assert resp.get_json() == {"response_type": "ephemeral", "text": "Looking into it…"}
    post = posted(workspace)
    assert block_errors(post["blocks"]) == [] and "thread_ts" not in post
    assert post["metadata"]["event_type"] == "qa_contests"
    assert "Where the sources disagree most" in block(post, "disagreements")["text"]["text"]

    expected, total = seed_service.list_contests(limit=SHOWN_CONTESTS)
    contests = contest_blocks(post)
    assert len(contests) == len(expected) >= 4  # the top ones, in the service's order
    for (heading, sides), contest in zip(contests, expected):
        assert html.unescape(heading).startswith(f"*{contests.index((heading, sides)) + 1}. "
                                                 f"{contest.topic}")
        assert len(sides) == min(len(contest.sides), 4)
    if total > len(expected):
        assert f"Showing {len(expected)} of {total}" in " ".join(texts(post))

    heading, sides = ghani(contests)
    assert "dates differ · reported together" in heading
    early, late = side_with(sides, "August 14"), side_with(sides, "August 15")
    assert "\nRT" in early and "TASS" in late and "TASS" not in early
    assert linked_articles(early) == [RT_ARTICLE]
    assert "*RT*" in early and "fled the country on August 14" in early  # speaker and quote
    # The quote links to its span of the article on the web page.
    (url, label), = LINK_RE.findall(early)
    query = parse_qs(urlsplit(html.unescape(url)).query)
    text = seed_service.article(RT_ARTICLE).article.text
    quote = text[int(query["start"][0]):int(query["end"][0])]
    assert "fled the country on August 14" in quote
    assert html.unescape(label) == "RT"  # whose quote it is
    assert set(linked_articles(late)) <= {TASS_ARTICLE, "000_e5d721c452f0de90",
                                          "003_b50cd088e71c6203"}
    assert re.search(r"2021-08-26|2021-09-01", late)  # TASS's side carries its dates
    assert "more claims on this side" in late
    # Each contest links to the web page, which asks about it.
    more = block(post, f"contest-{contests.index((heading, sides))}-more")
    (url, _), = LINK_RE.findall(more["elements"][-1]["text"])
    assert parse_qs(urlsplit(html.unescape(url)).query) == {
        "q": ["What do the sources say about when Ashraf Ghani fled the country?"]}
    assert block(post, "actions")["elements"][0]["url"] == PUBLIC + "/#disagreements"
    assert "Ghani" in post["text"] and "August 14 vs August 15" in post["text"]  # fallback


def test_a_topic_puts_the_contest_nearest_in_meaning_first(workspace, seed_service):
    disagreements(workspace, "when did Ghani flee")
    post = posted(workspace)
    assert block_errors(post["blocks"]) == []
    assert "about _when did Ghani flee_" in block(post, "disagreements")["text"]["text"]
    first_heading, sides = contest_blocks(post)[0]
    assert "Ghani" in first_heading and "dates differ" in first_heading
    assert side_with(sides, "August 14") and side_with(sides, "August 15")
    assert post["metadata"]["event_payload"]["topic"] == "when did Ghani flee"


def test_a_topic_matching_nothing_says_so_to_the_asker_only(workspace):
    resp = disagreements(workspace, "zebra migration in the Serengeti")
    assert resp.get_json()["text"] == "Looking into it…"
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["response_type"] == "ephemeral"
    assert sent.args["text"] == ("No disagreements found about "
                                 "“zebra migration in the Serengeti”.")
    assert workspace.bot.executor.wait_idle(30)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_an_empty_corpus_of_contests_says_none_were_found(workspace, seed_service, monkeypatch):
    monkeypatch.setattr(seed_service, "list_contests", lambda *a, **kw: ([], 0))
    disagreements(workspace)
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["text"].startswith("No disagreements found")
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_an_over_long_topic_is_refused_in_the_acknowledgement(workspace, seed_service,
                                                             monkeypatch):
    calls = []
    monkeypatch.setattr(seed_service, "list_contests", lambda *a, **kw: calls.append(a) or ([], 0))
    resp = disagreements(workspace, "why " * 1000)
    assert resp.status_code == 200 and "limit is 2000" in resp.get_json()["text"]
    assert workspace.bot.executor.wait_idle(30)
    assert calls == []
    assert [c.method for c in workspace.fake.calls] in ([], ["auth.test"])  # nothing posted


# --- failures and delivery -----------------------------------------------------------------------
def test_a_failure_while_listing_apologises_to_the_asker_only(workspace, seed_service,
                                                            monkeypatch):
    def broken(*a, **kw):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(seed_service, "list_contests", broken)
    disagreements(workspace, "Panjshir")
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["response_type"] == "ephemeral"
    assert sent.args["text"].startswith("Sorry, something went wrong")
    assert "store went away" not in str(sent.args)
    assert workspace.fake.calls_to("chat.postMessage") == []


def test_where_the_bot_is_not_a_member_the_listing_goes_through_the_response_url(workspace):
    workspace.fake.not_member.add("C0PRIVATE1")
    disagreements(workspace, "when did Ghani flee", channel="C0PRIVATE1")
    sent = workspace.fake.wait_for(lambda: workspace.fake.calls_to("response_url"))[0]
    assert sent.args["response_type"] == "in_channel"
    assert "Ghani" in contest_blocks({"blocks": sent.args["blocks"]})[0][0]


def test_a_forged_disagreements_command_is_refused_and_nothing_runs(workspace, seed_service,
                                                                   monkeypatch):
    calls = []
    monkeypatch.setattr(seed_service, "list_contests", lambda *a, **kw: calls.append(a))
    resp = disagreements(workspace, "when did Ghani flee", secret="not-the-secret")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    stale = disagreements(workspace, "Panjshir", timestamp=int(time.time()) - 360)
    assert stale.status_code == 401
    assert workspace.bot.executor.wait_idle(30)
    assert calls == [] and workspace.fake.calls == []


def test_a_replayed_disagreements_command_is_answered_once(workspace):
    body = urlencode({"team_id": TEAM_ID, "channel_id": CHANNEL, "user_id": ALICE,
                      "command": "/disagreements", "text": "Ghani",
                      "response_url": f"{workspace.fake.url}/response/T0NEWSQA/7/abc",
                      "trigger_id": "77.17653672481.0a1b2c3d"})
    ts = int(time.time())
    headers = {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(body, ts),
               "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        resp = workspace.client.post("/slack/commands", data=body, headers=headers)
        assert resp.status_code == 200
    retry = workspace.client.post("/slack/commands", data=body,
                                  headers={**headers, "X-Slack-Retry-Num": "1"})
    assert retry.status_code == 200
    posted(workspace)
    assert workspace.bot.executor.wait_idle(60)
    assert len(workspace.fake.calls_to("chat.postMessage")) == 1


# --- /ask is unchanged ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["/ask", "/newsqa"])
def test_ask_and_other_commands_still_answer_the_question(workspace, seed_service, monkeypatch,
                                                          name):
    listed = []
    monkeypatch.setattr(seed_service, "list_contests", lambda *a, **kw: listed.append(a))
    resp = workspace.command("What did Ahmadullah Wasiq say?", name=name)
    assert resp.get_json() == {"response_type": "ephemeral", "text": "Looking into it…"}
    post = posted(workspace)
    assert "002_dc1ae020b261a8f8" in linked_articles(block(post, "answer")["text"]["text"])
    assert post["metadata"]["event_type"] == "qa_answer" and listed == []


# --- rendering (a pure function) -----------------------------------------------------------------
def _side(k: int, s: int, n_claims: int, outlets=(), **kw) -> ListedSideOut:
    claims = [ClaimOut(speaker=f"Speaker {s} <&>", stance="asserts" if s == 0 else "denies",
                       quote=f"Quote {k}.{s}.{c} " + "& x " * 200, article_id=f"art_{k}_{s}_{c}",
                       start=c, end=c + 40, date="2021-09-0%d" % (c % 9 + 1))
              for c in range(n_claims)]
    return ListedSideOut(position=f"Position {k}.{s} " + "<long> & " * 100, claims=claims,
                         articles=[cl.article_id for cl in claims], outlets=list(outlets), **kw)


def test_many_long_contests_stay_within_slacks_limits():
    outlets = ["TASS", "RT"] + [f"O{i}" for i in range(60)]
    contests = [
        ListedContestOut(id=f"{k:016x}", topic=f"Topic {k} " + "& " * 400, kind="numbers",
                         articles=12, outlets=6, first_date="2021-08-14", last_date="2021-09-02",
                         sides=[_side(k, s, 6, outlets=outlets,
                                      classes={"right": 1, "center": 1}, first_date="2021-08-26",
                                      last_date="2021-09-01")
                                for s in range(6)])
        for k in range(9)]
    msg = render_contests(contests, 40, topic="x" * 1900, links=Links(PUBLIC), asked_by=ALICE)
    assert len(msg.blocks) <= MAX_BLOCKS and block_errors(msg.blocks) == []
    assert all(len(t) <= SECTION_CHARS for t in texts(msg))
    flat = "\n".join(texts(msg))
    assert "2 more positions" in flat
    shown = len([b for b in msg.blocks if re.fullmatch(r"contest-\d+", b.get("block_id", ""))])
    assert shown == 6 and "Showing 6 of 40" in flat  # as many whole contests as fit
    assert msg.metadata["event_payload"]["shown"] == 6
    side = block(msg, "contest-0-side-1")["text"]["text"]
    assert side.startswith("*Position 0.1 &lt;long&gt; &amp;")
    assert "TASS, RT, O0" in side and "1 center, 1 right" in side
    assert "2021-08-26 to 2021-09-01" in side and "and 5 more claims on this side" in side
    assert "*Speaker 1 &lt;&amp;&gt;* denies" in side


def test_a_side_without_outlets_shows_its_article_count_and_no_empty_parts():
    contest = ListedContestOut(id="a" * 16, topic="Several cannons were seized", kind="denial",
                               articles=1, outlets=0,
                               sides=[_side(0, 0, 1), _side(0, 1, 1)])
    msg = render_contests([contest], 1, topic=None, links=Links(PUBLIC))
    side = block(msg, "contest-0-side-0")["text"]["text"]
    assert "\n1 article\n" in side and " · " not in side.split("\n")[1]
    assert "disagreements-about" not in {b.get("block_id") for b in msg.blocks}
    more = block(msg, "contest-0-more")["elements"][-1]["text"]
    assert "?q=Is+it+true+that+several+cannons+were+seized%3F|" in more  # as the page asks it
    assert block_errors(msg.blocks) == []
