"""The chat page's Disagreements view in a real browser (Debian's Chromium driven by Playwright)
against the real app on loopback, over test_page's store (the seeds, one article with markup and
one with brackets): the contest list with its filters and paging, a contest's claims as one
timeline, a claim opening its article at the quote, and "Ask about this" asking in the chat.

Expected values come from the same server's GET /api/contests; the seeds' own contests are named
where the brief names them (Ghani fled on 14 vs 15 August; the Taliban's three Panjshir
districts, denied). Screenshots go to test-artifacts/page/.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from .test_page import EVIL, browser, live, open_page, page_service, shot  # noqa: F401 (fixtures)
from .webapp import LiveServer, make_app

GHANI_RT = "004_ccca31a72ddb13aa"  # the RT article: Ghani fled on 14 August


def api_contests(live: LiveServer, **params) -> dict:
    query = urllib.parse.urlencode({"limit": 100, **params}, doseq=True)
    with urllib.request.urlopen(f"{live.url}/api/contests?{query}", timeout=60) as r:
        return json.loads(r.read())


def api_article(live: LiveServer, article_id: str) -> dict:
    with urllib.request.urlopen(f"{live.url}/api/articles/{article_id}", timeout=60) as r:
        return json.loads(r.read())


def the(contests: list[dict], kind: str, word: str) -> dict:
    """The one contest of ``kind`` whose topic holds ``word``."""
    found = [c for c in contests if c["kind"] == kind and word.lower() in c["topic"].lower()]
    assert len(found) == 1, [(c["kind"], c["topic"]) for c in contests]
    return found[0]


def side(contest: dict, position: str) -> dict:
    [s] = [s for s in contest["sides"] if position.lower() in s["position"].lower()]
    return s


def merged(contest: dict) -> list[dict]:
    """All sides' claims by date, undated last, ties in side order (as the page shows them)."""
    claims = [{**c, "position": s["position"]} for s in contest["sides"] for c in s["claims"]]
    return sorted(claims, key=lambda c: (c["date"] is None, c["date"] or ""))


def disagreements(page: Page):
    """Switches to the Disagreements view and waits for its first page of contests."""
    page.locator("#tab-disagreements").click()
    expect(page.locator("#disagreements-view")).to_be_visible()
    expect(page.locator("#contest-list")).to_have_attribute("aria-busy", "false")
    return page.locator("#contest-list > .contest-card")


def card(page: Page, contest: dict):
    return page.locator(f'.contest-card[data-id="{contest["id"]}"]')


def settled(page: Page) -> None:
    expect(page.locator("#contest-list")).to_have_attribute("aria-busy", "false")


# --- tests -------------------------------------------------------------------------------------
def test_the_view_lists_every_contest_with_its_sides(browser, live):
    expected = api_contests(live)
    assert expected["total"] == len(expected["contests"]) >= 4
    ghani = the(expected["contests"], "dates", "Ghani")
    districts = the(expected["contests"], "denial", "three Panjshir districts")
    assert GHANI_RT in side(ghani, "August 14")["articles"]
    assert side(ghani, "August 15")["outlets"] == ["TASS"]

    ctx, page, watch = open_page(browser, live)
    expect(page.locator("#tab-chat")).to_have_attribute("aria-current", "page")
    cards = disagreements(page)
    expect(page.locator("#tab-disagreements")).to_have_attribute("aria-current", "page")
    assert page.locator("#tab-chat").get_attribute("aria-current") is None
    expect(page.locator("#chat")).to_be_hidden()
    expect(page.locator("#new-chat")).to_be_hidden()
    expect(page.locator("#contest-q")).to_be_focused()
    assert page.evaluate("location.hash") == "#disagreements"
    expect(cards).to_have_count(expected["total"])
    assert [c.get_attribute("data-id") for c in cards.all()] == [c["id"] for c in expected["contests"]]
    expect(page.locator("#contest-status")).to_have_text(f"{expected['total']} disagreements")
    expect(page.locator("#contest-empty")).to_be_hidden()
    expect(page.locator("#contest-more")).to_be_hidden()

    for contest in expected["contests"]:
        shown = card(page, contest)
        expect(shown.locator(".contest-topic")).to_have_text(contest["topic"])
        expect(shown.locator(".kind")).to_have_attribute("data-kind", contest["kind"])
        expect(shown.locator(".link")).to_have_attribute("data-linked", str(contest["linked"]).lower())
        expect(shown.locator(".contest-spread")).to_have_text(
            f"{contest['articles']} article{'s' if contest['articles'] != 1 else ''} · "
            f"{contest['outlets']} outlet{'s' if contest['outlets'] != 1 else ''}")
        dates = shown.locator(".contest-dates")
        if contest["first_date"]:
            expect(dates.locator(".first-date")).to_have_text(contest["first_date"])
            if contest["last_date"] != contest["first_date"]:
                expect(dates.locator(".last-date")).to_have_text(contest["last_date"])
        else:
            expect(dates).to_have_text("undated")
        sides = shown.locator(".side")
        expect(sides).to_have_count(len(contest["sides"]))
        for k, s in enumerate(contest["sides"]):
            expect(sides.nth(k).locator(".side-position")).to_have_text(s["position"])
            expect(sides.nth(k).locator(".outlet-names")).to_have_text(
                ", ".join(s["outlets"]) or "outlet unknown")
            n = len(s["articles"])
            expect(sides.nth(k).locator(".side-count")).to_have_text(f"{n} article{'s' if n != 1 else ''}")
        expect(shown.locator(".similarity")).to_have_count(0)  # only a search has a similarity

    # The two the brief names, in words a reader sees.
    g = card(page, ghani)
    expect(g.locator(".kind")).to_have_text("dates differ")
    expect(g.locator(".side").nth(0)).to_contain_text("August 14")
    expect(g.locator(".side").nth(0).locator(".outlet-names")).to_have_text("RT")
    expect(g.locator(".side").nth(1).locator(".outlet-names")).to_have_text("TASS")
    d = card(page, districts)
    expect(d.locator(".kind")).to_have_text("claim and denial")
    expect(d.locator(".side-position")).to_have_text([s["position"] for s in districts["sides"]])
    shot(page, "11-disagreements")
    # Back to the chat and again: the list is kept, not fetched again.
    loads = sum("/api/contests" in u for u in watch.requests)
    page.locator("#tab-chat").click()
    expect(page.locator("#chat")).to_be_visible()
    expect(page.locator("#disagreements-view")).to_be_hidden()
    expect(page.locator("#question")).to_be_focused()
    assert page.evaluate("location.hash") == ""
    disagreements(page)
    expect(cards).to_have_count(expected["total"])
    assert sum("/api/contests" in u for u in watch.requests) == loads
    assert not watch.errors and not watch.dialogs
    ctx.close()


def test_the_side_classes_show_as_counts(browser, live):
    """An outlet class count ('2 left, 1 center') is shown when a side has classes; the seeds
    carry none, so the page is fed one contest with classes through the same route."""
    contest = the(api_contests(live)["contests"], "dates", "Ghani")
    contest = json.loads(json.dumps(contest))
    contest["sides"][0]["classes"] = {"center": 1, "left": 2}
    contest["sides"][1]["classes"] = {}
    body = {"total": 1, "limit": 10, "offset": 0, "contests": [contest]}
    ctx, page, watch = open_page(browser, live)
    page.route("**/api/contests?*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(body)))
    cards = disagreements(page)
    expect(cards).to_have_count(1)
    expect(cards.locator(".side").nth(0).locator(".side-classes")).to_have_text(" (2 left, 1 center)")
    expect(cards.locator(".side").nth(0).locator(".side-outlets")).to_have_text("RT (2 left, 1 center)")
    expect(cards.locator(".side").nth(1).locator(".side-classes")).to_have_count(0)
    ctx.close()


def test_a_search_by_meaning_puts_the_nearest_contest_first(browser, live):
    everything = api_contests(live)["total"]
    expected = api_contests(live, q="when did Ghani flee")
    assert expected["contests"] and "Ghani" in expected["contests"][0]["topic"]
    ctx, page, watch = open_page(browser, live, path="/#disagreements")
    cards = page.locator("#contest-list > .contest-card")
    expect(cards).to_have_count(everything)
    box = page.locator("#contest-q")
    expect(box).to_be_focused()
    box.fill("when did Ghani flee")
    box.press("Enter")
    expect(cards).to_have_count(expected["total"])
    settled(page)
    assert expected["total"] < everything, "the search narrowed the list"
    expect(cards.first.locator(".contest-topic")).to_contain_text("Ghani")
    expect(cards.first.locator(".kind")).to_have_attribute("data-kind", "dates")
    sim = round(expected["contests"][0]["similarity"] * 100)
    expect(cards.first.locator(".similarity")).to_have_text(f"match {sim}%")
    expect(page.locator("#contest-status")).to_contain_text("matching “when did Ghani flee”")
    assert any("/api/contests?q=when+did+Ghani+flee" in u for u in watch.requests)
    shot(page, "12-disagreements-search")
    page.locator("#contest-clear").click()
    expect(cards).to_have_count(everything)
    expect(box).to_have_value("")
    assert not watch.errors
    ctx.close()


def test_the_outlet_and_date_filters_narrow_the_list(browser, live):
    everything = api_contests(live)
    rt = api_contests(live, source="RT")
    assert 0 < rt["total"] < everything["total"]
    assert all("RT" in {o for s in c["sides"] for o in s["outlets"]} for c in rt["contests"])
    ctx, page, watch = open_page(browser, live)
    cards = disagreements(page)
    expect(cards).to_have_count(everything["total"])
    # The chat's outlets, loaded once from /api/sources; markup in a name is text.
    options = page.locator("#contest-source option")
    expect(options).to_have_count(4)
    assert options.all_text_contents() == ["All outlets", EVIL["source"], "RT", "TASS"]
    assert page.locator("#contest-source b").count() == 0
    assert sum(u.endswith("/api/sources") for u in watch.requests) == 1
    page.locator("#contest-source").select_option("RT")
    expect(cards).to_have_count(rt["total"])
    settled(page)
    assert [c.get_attribute("data-id") for c in cards.all()] == [c["id"] for c in rt["contests"]]
    for c in cards.all():
        outlets = ", ".join(c.locator(".outlet-names").all_text_contents())
        assert "RT" in outlets
    assert any("source=RT" in u for u in watch.requests if "/api/contests" in u)
    # Dates with the outlet: nothing after 2 September, so the empty state.
    page.locator("#contest-after").fill("2021-09-02")
    page.locator("#contest-after").dispatch_event("change")
    expect(page.locator("#contest-empty")).to_be_visible()
    expect(page.locator("#contest-empty")).to_have_text("No disagreements found")
    expect(cards).to_have_count(0)
    assert api_contests(live, source="RT", after="2021-09-02")["total"] == 0
    shot(page, "13-disagreements-empty")
    before = api_contests(live, before="2021-08-30")
    assert 0 < before["total"] < everything["total"]
    page.locator("#contest-clear").click()
    expect(cards).to_have_count(everything["total"])
    page.locator("#contest-before").fill("2021-08-30")
    page.locator("#contest-before").dispatch_event("change")
    expect(cards).to_have_count(before["total"])
    expect(page.locator("#contest-empty")).to_be_hidden()
    # "Reported together only" asks for linked contests (every seed contest is one) and Clear
    # unticks it.
    linked = api_contests(live, linked="true", before="2021-08-30")
    page.locator("#contest-linked").check()
    expect(cards).to_have_count(linked["total"])
    settled(page)
    assert any("linked=true" in u for u in watch.requests if "/api/contests" in u)
    assert all(c.locator(".link").get_attribute("data-linked") == "true" for c in cards.all())
    page.locator("#contest-clear").click()
    expect(page.locator("#contest-linked")).not_to_be_checked()
    expect(cards).to_have_count(everything["total"])
    assert not watch.errors
    ctx.close()


def test_more_loads_the_next_page(browser, live):
    expected = api_contests(live)["contests"]
    assert len(expected) >= 5
    ctx, page, watch = open_page(browser, live)
    # Pages of two, so the seeds need three: the page asks for 10, the route asks for 2.
    page.route("**/api/contests?*", lambda route: route.continue_(
        url=route.request.url.replace("limit=10", "limit=2")))
    cards = disagreements(page)
    expect(cards).to_have_count(2)
    more = page.locator("#contest-more")
    expect(more).to_be_visible()
    expect(page.locator("#contest-status")).to_have_text(f"{len(expected)} disagreements, showing 2")
    more.click()
    expect(cards).to_have_count(4)
    expect(cards.nth(2).locator(".contest-topic")).to_be_focused()  # the first of the new page
    while more.is_visible():
        more.click()
        settled(page)
    expect(cards).to_have_count(len(expected))
    assert [c.get_attribute("data-id") for c in cards.all()] == [c["id"] for c in expected]
    offsets = [urllib.parse.parse_qs(urllib.parse.urlsplit(u).query).get("offset", ["0"])[0]
               for u in watch.requests if "/api/contests" in u]
    assert offsets == [str(k) for k in range(0, len(expected), 2)]
    assert not watch.errors
    ctx.close()


def test_a_contest_opens_as_a_timeline_of_its_claims_by_date(browser, live):
    contests = api_contests(live)["contests"]
    ghani = the(contests, "dates", "Ghani")
    districts = the(contests, "denial", "three Panjshir districts")
    ctx, page, watch = open_page(browser, live)
    disagreements(page)
    for contest in (ghani, districts):
        shown = card(page, contest)
        toggle = shown.locator(".timeline-toggle")
        n = sum(len(s["claims"]) for s in contest["sides"])
        expect(toggle).to_have_text(f"Timeline ({n} statements)")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        events = shown.locator(".contest-timeline .event")
        expect(events).to_have_count(n)
        want = merged(contest)
        dates = events.locator(".event-date").all_text_contents()
        assert dates == [c["date"] or "undated" for c in want]
        dated = [d for d in dates if d != "undated"]
        assert dated == sorted(dated) and dates == dated + ["undated"] * (len(dates) - len(dated))
        assert events.locator(".claim-quote").all_text_contents() == [c["quote"] for c in want]
        assert events.locator(".speaker").all_text_contents() == [c["speaker"] for c in want]
        stance = {"asserts": "claims", "denies": "denies", "disputes": "disputes"}
        assert events.locator(".stance").all_text_contents() == [stance[c["stance"]] for c in want]
        assert events.locator(".event-side").all_text_contents() == [c["position"] for c in want]
        assert events.evaluate_all("els => els.map(e => e.dataset.article)") == \
            [c["article_id"] for c in want]
        # Each claim names its outlet and article.
        outlets = events.locator(".event-outlet").all_text_contents()
        sources = {a: api_article(live, a)["source"] for a in {c["article_id"] for c in want}}
        assert outlets == [sources[c["article_id"]] for c in want if sources[c["article_id"]]]
        chips = events.locator(".chip").evaluate_all("els => els.map(e => e.dataset.article)")
        assert chips == [c["article_id"] for c in want]

    # Ghani: TASS's dated "August 15" first; RT's "August 14" (an undated article) after them.
    events = card(page, ghani).locator(".event")
    expect(events.first.locator(".event-side")).to_have_text("August 15")
    expect(events.first.locator(".event-outlet")).to_have_text("TASS")
    rt = card(page, ghani).locator(f'.event[data-article="{GHANI_RT}"]')
    expect(rt).to_have_count(1)
    expect(rt.locator(".event-date")).to_have_text("undated")
    expect(rt.locator(".event-side")).to_have_text("August 14")
    expect(rt.locator(".event-outlet")).to_have_text("RT")
    shot(page, "14-disagreements-timeline")
    card(page, ghani).locator(".timeline-toggle").click()
    expect(card(page, ghani).locator(".contest-timeline")).to_be_hidden()
    assert not watch.errors
    ctx.close()


def test_clicking_a_claim_opens_its_article_with_the_quote_highlighted(browser, live):
    ghani = the(api_contests(live)["contests"], "dates", "Ghani")
    rt_claim = side(ghani, "August 14")["claims"][0]
    article = api_article(live, rt_claim["article_id"])
    assert article["text"][rt_claim["start"]:rt_claim["end"]] == rt_claim["quote"]
    ctx, page, watch = open_page(browser, live)
    disagreements(page)
    shown = card(page, ghani)
    shown.locator(".timeline-toggle").click()
    event = shown.locator(f'.event[data-article="{GHANI_RT}"]')
    expect(event.locator(".claim-quote")).to_have_text(rt_claim["quote"])
    event.locator(".event-who").click()  # anywhere on the claim
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    mark = panel.locator("mark.quote")
    expect(mark).to_have_text(rt_claim["quote"])
    expect(mark).to_be_in_viewport()
    expect(page.locator("#panel-title")).to_have_text(article["title"])
    expect(page.locator("#panel-title")).to_be_focused()
    assert page.locator("#panel-text").inner_text().replace("\n", "") == \
        article["text"].replace("\n", "")
    shot(page, "15-disagreements-article", full_page=False)
    # Each claim's quote opens exactly its own span, even in an article quoted twice.
    for k in range(shown.locator(".event").count()):
        e = shown.locator(".event").nth(k)
        quote = e.locator(".claim-quote").inner_text()
        e.locator(".claim-quote").click()
        expect(mark).to_have_text(quote)
        start = page.evaluate("document.querySelector('#panel-text').firstChild.textContent.length")
        claim = merged(ghani)[k]
        assert start == claim["start"], (k, quote)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert not watch.errors
    ctx.close()


def test_ask_about_this_asks_in_the_chat(browser, live):
    contests = api_contests(live)["contests"]
    ghani = the(contests, "dates", "Ghani")
    ctx, page, watch = open_page(browser, live)
    disagreements(page)
    card(page, ghani).locator(".ask-about").click()
    expect(page.locator("#chat")).to_be_visible()
    expect(page.locator("#disagreements-view")).to_be_hidden()
    expect(page.locator("#tab-chat")).to_have_attribute("aria-current", "page")
    question = "What do the sources say about when Ashraf Ghani fled the country?"
    expect(page.locator(".turn.user")).to_have_text(question)
    answer = page.locator(".turn.answer").first
    expect(answer).to_have_attribute("data-state", "done", timeout=30_000)
    assert watch.posts[-1]["url"].endswith("/api/chat/stream")
    assert watch.posts[-1]["body"]["question"] == question
    text = answer.locator(".answer-text").inner_text()
    assert "August" in text and ("14" in text or "15" in text), text
    expect(answer.locator(".citations .chip").first).to_be_visible()
    assert not answer.evaluate("e => e.classList.contains('abstained')")
    shot(page, "16-disagreements-ask")
    # A claim of the denial contest becomes a yes/no question about it.
    districts = the(contests, "denial", "three Panjshir districts")
    disagreements(page)
    card(page, districts).locator(".ask-about").click()
    second = page.locator(".turn.answer").nth(1)
    expect(second).to_have_attribute("data-state", "done", timeout=30_000)
    expect(page.locator(".turn.user").nth(1)).to_have_text(
        "Is it true that the Taliban have taken control of three Panjshir districts?")
    assert second.locator(".answer-text").inner_text().strip()
    assert not watch.errors
    ctx.close()


def test_the_view_works_by_keyboard_alone(browser, live):
    ghani = the(api_contests(live)["contests"], "dates", "Ghani")
    ctx, page, watch = open_page(browser, live)
    expect(page.locator("#question")).to_be_focused()
    for _ in range(10):  # back up to the view switch in the header
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.id") == "tab-disagreements":
            break
    else:
        pytest.fail("the Disagreements button is not reachable with Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#disagreements-view")).to_be_visible()
    expect(page.locator("#contest-q")).to_be_focused()
    settled(page)
    page.keyboard.type("when did Ghani flee")
    page.keyboard.press("Enter")
    cards = page.locator("#contest-list > .contest-card")
    expect(cards.first).to_have_attribute("data-id", ghani["id"])
    settled(page)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.timeline-toggle')"):
            break
        if page.evaluate("document.activeElement.matches(':focus')"):  # not a date's own
            outline = page.evaluate("getComputedStyle(document.activeElement).boxShadow")  # picker
            assert outline != "none", page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
    else:
        pytest.fail("no timeline button is reachable with Tab")
    page.keyboard.press("Enter")
    expect(cards.first.locator(".timeline-toggle")).to_have_attribute("aria-expanded", "true")
    expect(cards.first.locator(".event")).to_have_count(sum(len(s["claims"]) for s in ghani["sides"]))
    page.keyboard.press("Tab")  # past "Ask about this"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.claim-quote')")
    quote = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.locator("#panel mark.quote")).to_have_text(quote)
    expect(page.locator("#panel-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.matches('.claim-quote')"), "focus returns"
    # The skip link leads to this view's search box.
    skip = page.locator(".skip")
    expect(skip).to_have_text("Skip to the disagreements search")
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#contest-q")).to_be_focused()
    assert not watch.errors
    ctx.close()


def test_the_view_fits_a_narrow_screen(browser, live):
    ctx, page, watch = open_page(browser, live, path="/#disagreements",
                                 viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    cards = page.locator("#contest-list > .contest-card")
    expect(cards.first).to_be_visible()
    cards.first.locator(".timeline-toggle").tap()
    expect(cards.first.locator(".event").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    for box in (cards.first.bounding_box(), page.locator("#contest-q").bounding_box(),
                page.locator("#tab-disagreements").bounding_box()):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    shot(page, "17-disagreements-narrow")
    assert not watch.errors
    ctx.close()


def test_a_failure_shows_its_error_and_a_refusal_asks_for_the_token(browser, live, page_service):
    ctx, page, watch = open_page(browser, live)
    page.route("**/api/contests?*", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body=json.dumps({"error": {"code": "unavailable", "message": "The store is <b>busy</b>."}})))
    page.locator("#tab-disagreements").click()
    error = page.locator("#contest-error")
    expect(error).to_have_text("The store is <b>busy</b>.")
    expect(page.locator("#contest-empty")).to_be_hidden()
    expect(page.locator("#contest-list > .contest-card")).to_have_count(0)
    assert page.locator("#contest-error b").count() == 0
    page.unroute("**/api/contests?*")
    page.locator("#contest-search").click()  # trying again clears the error
    expect(page.locator("#contest-list > .contest-card").first).to_be_visible()
    expect(error).to_be_hidden()
    ctx.close()

    with LiveServer(make_app(page_service, api_token="s3cret")) as guarded:
        ctx, page, watch = open_page(browser, guarded, path="/#disagreements")
        expect(page.locator("#contest-error")).to_contain_text("Bearer")
        row = page.locator("#token-row")
        expect(row).to_be_visible()
        assert page.locator("#disagreements-view #token-row").count() == 1, "asked where it is needed"
        page.locator("#token").fill("s3cret")
        page.locator("#save-token").click()
        expect(page.locator("#contest-list > .contest-card").first).to_be_visible()
        expect(page.locator("#contest-error")).to_be_hidden()
        expect(page.locator("#contest-source option")).to_have_count(4)
        expect(page.locator("#contest-q")).to_be_focused()
        card_ = page.locator("#contest-list > .contest-card").first
        card_.locator(".timeline-toggle").click()
        expect(card_.locator(".event-outlet").first).to_be_visible()  # articles came with the token
        shot(page, "18-disagreements-token")
        ctx.close()
