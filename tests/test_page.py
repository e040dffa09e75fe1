"""The chat page in a real browser (Debian's Chromium driven by Playwright) against the real app
served over HTTP on loopback, over a store with the seeds, one malicious article and one whose
text holds brackets.

Screenshots go to test-artifacts/ so a person can look at the page as the tests saw it.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .conftest import ARTIFACTS, SEEDS
from .webapp import LiveServer, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PANJSHIR = "Did the Taliban take control of Panjshir?"
EVIL_ID = "666_xss_probe"
EVIL = {
    "id": EVIL_ID,
    "title": 'Zorblat pass report <img src=x onerror="window.__pwned=\'title\'">',
    "source": "Evil <b>Gazette</b>",
    "date": "2021-09-03",
    "text": ("The Zorblat pass was reopened on Friday, officials said. "
             "<script>window.__pwned = 'script'; alert('xss')</script> "
             "Engineers cleared the Zorblat pass of rockfall <img src=x onerror=\"window.__pwned='img'\"> "
             "and traffic resumed, the officials said."),
}
BRACKETS_ID = "777_bracket_probe"
BRACKETS = {  # an article whose own text holds what looks like citation markers
    "id": BRACKETS_ID, "title": "Quorvent tunnel traffic log", "source": "RT",
    "date": "2021-09-04",
    "text": ("Traffic through the Quorvent tunnel was logged at checkpoint [some_id] and "
             "[000_e5d721c452f0de90], officials said."),
}
SHOTS = ARTIFACTS / "page"


@pytest.fixture(scope="module")
def page_service(tmp_path_factory, embedder):
    """The seeds plus a malicious article and one with brackets, in a store of its own."""
    from qa.config import Settings, StoreSettings
    from qa.index import NewsIndex
    from qa.service import QAService

    root = tmp_path_factory.mktemp("page")
    corpus = root / "articles"
    shutil.copytree(SEEDS, corpus)
    (corpus / "evil.jsonl").write_text(json.dumps(EVIL) + "\n" + json.dumps(BRACKETS) + "\n",
                                       encoding="utf-8")
    settings = Settings(store=StoreSettings(data_dir=root / "var"))
    emb, emb_id = embedder
    service = QAService(settings, NewsIndex(settings, embedder=emb, embedder_id=emb_id))
    assert service.ingest([corpus]).added == 7
    return service


@pytest.fixture(scope="module")
def live(page_service):
    with LiveServer(make_app(page_service)) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` (apt-get install chromium) installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """What a page did: requests, console errors, uncaught errors, dialogs."""

    def __init__(self, page: Page):
        self.requests: list[str] = []
        self.posts: list[dict] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _request(self, req) -> None:
        self.requests.append(req.url)
        if req.method == "POST":
            self.posts.append({"url": req.url, "body": json.loads(req.post_data or "null")})


def open_page(browser: Browser, live: LiveServer, path: str = "/", **context):
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 860}, **context})
    page = ctx.new_page()
    watch = Watch(page)
    # Offline: anything not served by the app is refused (and shows up in watch.requests).
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live.url)
               else route.abort())
    page.goto(live.url + path)
    return ctx, page, watch


def shot(page: Page, name: str, full_page: bool = True) -> None:
    """A screenshot; the sticky article panel and question box only look right in the viewport."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def ask(page: Page, question: str, n: int) -> "Locator":  # noqa: F821
    """Types ``question``, presses Enter and waits for answer number ``n`` (1-based)."""
    box = page.locator("#question")
    box.fill(question)
    box.press("Enter")
    answer = page.locator(".turn.answer").nth(n - 1)
    expect(answer).to_have_attribute("data-state", "done", timeout=30_000)
    return answer


def first_citations(citations: list[dict]) -> list[dict]:
    """The first citation of each cited article, in order (the page lists sources so)."""
    seen: dict[str, dict] = {}
    for c in citations:
        seen.setdefault(c["article_id"], c)
    return list(seen.values())


def api_answer(live: LiveServer, question: str, **body) -> dict:
    req = urllib.request.Request(live.url + "/api/ask", method="POST",
                                 data=json.dumps({"question": question, **body}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


# --- tests -------------------------------------------------------------------------------------
def test_a_question_streams_in_with_citation_chips(browser, live):
    ctx, page, watch = open_page(browser, live)
    answer = ask(page, PANJSHIR, 1)
    expected = api_answer(live, PANJSHIR)
    assert int(answer.get_attribute("data-deltas")) > 1, "the answer arrived in pieces"
    text = answer.locator(".answer-text")
    assert expected["citations"][0]["quote"][:60] in text.inner_text()
    articles = first_citations(expected["citations"])
    chips = answer.locator(".citations .chip")
    assert chips.count() == len(articles), "one source entry per cited article"
    for i, c in enumerate(articles):
        label = chips.nth(i).inner_text()
        assert label.startswith(f"{i + 1} · {c['article_id']}")
        for part in (c["source"], c["date"]):
            if part:
                assert part in label
    quotes = answer.locator(".citations .quote-link").all_text_contents()
    assert sorted(quotes) == sorted({c["quote"] for c in expected["citations"]})
    inline = answer.locator(".answer-text .chip")
    assert inline.count() == sum(len(m.split(",")) for m in
                                 re.findall(r"\[([^\]]+)\]", expected["answer"]))
    assert inline.first.inner_text() == "1", "inline markers are numbered like the sources"
    assert watch.posts[0]["url"].endswith("/api/chat/stream")
    assert not watch.errors and not watch.dialogs
    shot(page, "01-answer")
    ctx.close()


def test_a_citation_chip_opens_the_article_with_the_quote_highlighted(browser, live):
    ctx, page, watch = open_page(browser, live)
    answer = ask(page, PANJSHIR, 1)
    expected = first_citations(api_answer(live, PANJSHIR)["citations"])
    last = max(range(len(expected)), key=lambda i: expected[i]["start"])  # deepest: needs a scroll
    answer.locator(".citations .chip").nth(last).click()
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    mark = panel.locator("mark.quote")
    expect(mark).to_have_text(expected[last]["quote"])
    expect(mark).to_be_in_viewport()
    expect(page.locator("#panel-title")).to_be_focused()
    article = json.loads(urllib.request.urlopen(
        f"{live.url}/api/articles/{expected[last]['article_id']}").read())
    expect(page.locator("#panel-title")).to_have_text(article["title"])
    assert page.locator("#panel-text").inner_text().replace("\n", "") == \
        article["text"].replace("\n", "")
    shot(page, "02-article-panel", full_page=False)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert not watch.errors
    ctx.close()


def test_a_contested_question_shows_both_sides_as_a_timeline(browser, live):
    expected = api_answer(live, PANJSHIR)["contested"]
    assert expected, "the API reports no contest for the Panjshir question (qa.claims)"
    assert all(len(c["sides"]) >= 2 for c in expected)
    ctx, page, watch = open_page(browser, live)
    answer = ask(page, PANJSHIR, 1)
    panel = answer.locator(".contested")
    expect(panel).to_be_visible()
    expect(panel.locator("h3")).to_have_text("⚖ Sources disagree")
    contests = panel.locator(".contest")
    assert contests.count() == len(expected)
    for k, contest in enumerate(expected):
        shown = contests.nth(k)
        expect(shown.locator(".contest-topic")).to_have_text(contest["topic"])
        sides = shown.locator(".side")
        assert sides.count() == len(contest["sides"])
        for s, side in enumerate(contest["sides"]):
            expect(sides.nth(s).locator(".side-position")).to_have_text(side["position"])
            events = sides.nth(s).locator(".event")
            assert events.count() == len(side["claims"])
            speakers = set(sides.nth(s).locator(".speaker").all_text_contents())
            assert speakers == {c["speaker"] for c in side["claims"]}
            dates = [d for d in sides.nth(s).locator(".event-date").all_text_contents()
                     if d != "undated"]
            assert dates == sorted(dates), "each side reads as a timeline"
            assert sides.nth(s).locator(".chip").count() == len(side["claims"])
    # A claim's chip opens its article at the claim.
    event = contests.nth(0).locator(".side").nth(1).locator(".event").first
    quote = event.locator(".event-quote").inner_text()
    assert quote in {c["quote"] for c in expected[0]["sides"][1]["claims"]}
    event.locator(".chip").click()
    expect(page.locator("#panel mark.quote")).to_have_text(quote)
    expect(page.locator("#panel mark.quote")).to_be_in_viewport()
    shot(page, "03-contested", full_page=False)
    assert not watch.errors
    ctx.close()


def test_a_follow_up_continues_the_same_session(browser, live):
    ctx, page, watch = open_page(browser, live)
    ask(page, PANJSHIR, 1)
    second = ask(page, "and what did the resistance say?", 2)
    expect(second.locator(".interpreted")).to_have_text(
        "Understood as: What did the resistance say about the Taliban take control of Panjshir?")
    chats = [p for p in watch.posts if p["url"].endswith("/api/chat/stream")]
    assert chats[0]["body"]["session_id"] is None
    sid = chats[1]["body"]["session_id"]
    assert sid and len(sid) >= 16
    third = ask(page, "when did that happen?", 3)
    expect(third.locator(".interpreted")).to_have_text(
        "Understood as: When did the Taliban take control of Panjshir?")
    assert watch.posts[-1]["body"]["session_id"] == sid
    assert page.locator(".turn.user").all_inner_texts() == [
        PANJSHIR, "and what did the resistance say?", "when did that happen?"]
    shot(page, "04-follow-up")
    page.locator("#new-chat").click()
    assert page.locator(".turn").count() == 0
    ask(page, "when did that happen?", 1)
    assert watch.posts[-1]["body"]["session_id"] is None, "a new conversation has no session"
    ctx.close()


def test_the_page_works_by_keyboard_alone(browser, live):
    ctx, page, watch = open_page(browser, live)
    expect(page.locator("#question")).to_be_focused()  # ready to type on load
    # Focus order above the question box on an empty page, walking back to the skip link.
    order = []
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className"
                                   " || document.activeElement.tagName"))
    assert order == ["SUMMARY", "example", "example", "new-chat", "skip"]
    page.keyboard.press("Enter")  # the skip link leads back to the question box
    expect(page.locator("#question")).to_be_focused()
    page.keyboard.type(PANJSHIR)
    page.keyboard.press("Enter")
    answer = page.locator(".turn.answer").first
    expect(answer).to_have_attribute("data-state", "done", timeout=30_000)
    # Tab forward to the first citation chip of the sources list.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.citations .chip')"):
            break
    else:
        pytest.fail("no citation chip is reachable with Tab")
    chip_id = page.evaluate("document.activeElement.dataset.article")
    page.keyboard.press("Enter")
    expect(page.locator("#panel mark.quote")).to_be_visible()
    expect(page.locator("#panel-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.article") == chip_id, "focus returns"
    # Shift+Tab walks back up to the question box; every stop has a visible focus style.
    for _ in range(80):
        page.keyboard.press("Shift+Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
        assert outline != "none", page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
        if page.evaluate("document.activeElement.id") == "question":
            break
    else:
        pytest.fail("the question box is not reachable with Shift+Tab")
    shot(page, "05-keyboard")
    assert not watch.errors
    ctx.close()


def test_the_page_fits_a_narrow_screen(browser, live):
    ctx, page, watch = open_page(browser, live, viewport={"width": 375, "height": 740},
                                 is_mobile=True, has_touch=True)
    answer = ask(page, PANJSHIR, 1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    for box in (answer.bounding_box(), page.locator("#question").bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    shot(page, "06-narrow-answer")
    answer.locator(".citations .chip").first.tap()
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["width"] == pytest.approx(375, abs=1), "the article takes the whole narrow screen"
    expect(page.locator("#panel-close")).to_be_in_viewport()
    expect(panel.locator("mark.quote")).to_be_in_viewport()
    shot(page, "07-narrow-article", full_page=False)
    page.locator("#panel-close").tap()
    expect(panel).to_be_hidden()
    assert not watch.errors
    ctx.close()


def test_a_shared_link_asks_its_question_on_load_with_its_filters(browser, live):
    ctx, page, watch = open_page(browser, live, path="/?q=" + urllib.request.quote(PANJSHIR)
                                 + "&source=TASS")
    answer = page.locator(".turn.answer").first
    expect(answer).to_have_attribute("data-state", "done", timeout=30_000)
    expect(page.locator(".turn.user")).to_have_text(PANJSHIR)
    expect(page.locator("#source")).to_have_value("TASS")
    assert watch.posts[0]["body"]["filters"] == {"sources": ["TASS"]}
    sources = {c["source"] for c in api_answer(live, PANJSHIR, filters={"sources": ["TASS"]})["citations"]}
    assert sources == {"TASS"}
    for label in answer.locator(".citations .chip").all_inner_texts():
        assert "TASS" in label
    link = answer.locator("a.share").get_attribute("href")
    assert link == f"{live.url}/?q={urllib.parse.quote_plus(PANJSHIR)}&source=TASS"
    ctx.close()


def test_filters_are_filled_from_the_store_and_apply_to_questions(browser, live):
    ctx, page, watch = open_page(browser, live)
    options = page.locator("#source option")
    expect(options).to_have_count(4)
    assert options.all_text_contents() == ["All outlets", "Evil <b>Gazette</b>", "RT", "TASS"]
    page.locator("#filters summary").click()
    page.locator("#source").select_option("RT")
    page.locator("#after").fill("2021-09-01")
    expect(page.locator("#filter-summary")).to_contain_text("RT")
    ask(page, PANJSHIR, 1)
    assert watch.posts[-1]["body"]["filters"] == {"after": "2021-09-01", "sources": ["RT"]}
    shot(page, "08-filters")
    ctx.close()


def test_an_article_with_markup_runs_nothing(browser, live):
    ctx, page, watch = open_page(browser, live)
    answer = ask(page, "What happened to the Zorblat pass?", 1)
    chip = answer.locator(f'.citations .chip[data-article="{EVIL_ID}"]')
    expect(chip).to_have_count(1)
    chip.click()
    text = page.locator("#panel-text")
    expect(text).to_contain_text("<script>window.__pwned = 'script'; alert('xss')</script>")
    expect(text).to_contain_text('<img src=x onerror="window.__pwned=\'img\'">')
    expect(page.locator("#panel-title")).to_have_text(EVIL["title"])
    page.wait_for_timeout(300)  # give an injected handler time to fire
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#panel img, .turn img, #source img").count() == 0
    assert page.locator("body script").count() == 0
    assert page.locator("#source b").count() == 0
    assert not watch.dialogs
    shot(page, "09-markup-as-text")
    ctx.close()


def test_brackets_in_an_articles_text_are_no_citation_chips(browser, live):
    """An article's literal "[some_id]" (or another article's ID) reached the answer with its
    quote and became a chip: a citation the answer never made. The answer shows an article's
    own brackets as parentheses, and the page makes a chip only of a marker whose IDs the answer
    cites."""
    question = "Where was traffic through the Quorvent tunnel logged?"
    expected = api_answer(live, question)
    assert "checkpoint (some_id) and (000_e5d721c452f0de90)" in expected["answer"]
    assert expected["citations"][0]["quote"].count("[") == 2  # the quote itself is verbatim
    ctx, page, watch = open_page(browser, live)
    answer = ask(page, question, 1)
    text = answer.locator(".answer-text")
    expect(text).to_contain_text("checkpoint (some_id) and (000_e5d721c452f0de90)")
    ids = text.locator(".chip").evaluate_all("els => els.map(e => e.dataset.article)")
    assert ids and set(ids) == {BRACKETS_ID}, ids
    assert not watch.errors
    ctx.close()


def test_the_page_needs_nothing_but_the_app(browser, live):
    ctx, page, watch = open_page(browser, live)
    ask(page, PANJSHIR, 1)
    outside = [u for u in watch.requests if not u.startswith(live.url)]
    assert outside == []
    assert any(u.endswith(".css") or ".css?" in u for u in watch.requests)
    assert any(".js?" in u for u in watch.requests)
    fonts = page.evaluate("[...document.fonts].filter(f => f.status === 'error').length")
    assert fonts == 0 and not watch.errors
    ctx.close()


def test_a_refused_question_keeps_what_was_typed_and_asks_for_the_token(browser, page_service):
    with LiveServer(make_app(page_service, api_token="s3cret")) as guarded:
        ctx, page, watch = open_page(browser, guarded)
        box = page.locator("#question")
        box.fill("   \n  ")
        box.press("Enter")
        assert page.locator(".turn").count() == 0, "blank questions are not sent"
        box.fill(PANJSHIR)
        box.press("Enter")
        answer = page.locator(".turn.answer").first
        expect(answer).to_have_attribute("data-state", "error")
        expect(answer.locator(".error")).to_contain_text("Bearer")
        expect(box).to_have_value(PANJSHIR)
        expect(page.locator("#token-row")).to_be_visible()
        page.locator("#token").fill("s3cret")
        page.locator("#save-token").click()
        box.press("Enter")
        expect(page.locator(".turn.answer").nth(1)).to_have_attribute("data-state", "done",
                                                                      timeout=30_000)
        expect(page.locator("#source option")).to_have_count(4)
        shot(page, "10-token")
        ctx.close()


def test_an_article_link_opens_the_quoted_span(browser, live):
    # The shape Slack's citation links use: /?article=<id>&start=<s>&end=<e>.
    aid = "000_e5d721c452f0de90"
    article = json.loads(urllib.request.urlopen(f"{live.url}/api/articles/{aid}").read())
    start = article["text"].index("It is led by Ahmad Massoud")
    end = article["text"].index(".", start) + 1
    ctx, page, watch = open_page(browser, live, f"/?article={aid}&start={start}&end={end}")
    mark = page.locator("#panel mark.quote")
    expect(mark).to_have_text(article["text"][start:end])
    expect(mark).to_be_in_viewport()
    expect(page.locator("#panel-title")).to_have_text(article["title"])
    assert not watch.errors
    ctx.close()
