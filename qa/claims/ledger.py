"""The contests across the whole corpus, kept by every sync (the store's ``ContestHook``).

An article's contests are those the answer path's builders (``ContestFinder.among``) find
among it and the articles nearest to it in meaning and date (``DisagreementSettings``), and in
it alone, that involve it. A sync hands over the articles whose current version has not been looked at and the
articles gone; their stored contests are dropped, and so are those of every article that shared
one with them, which are then looked for again: an article added, edited or pruned changes only
the contests it takes part in. A contest whose claims another holds is kept once (the larger).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable

from ..config import DisagreementSettings
from ..contract import ClaimOut, ListedContestOut, ListedSideOut
from ..domain import ArticleRecord, Contest
from ..index.contest_table import LINKED_RANK, ContestRow, ContestTable
from ..index.layout import date_int
from . import ContestFinder, LinkRule

log = logging.getLogger(__name__)

ReadArticles = Callable[[Iterable[str]], dict[str, ArticleRecord]]


def claim_key(article_id: str, start: int, end: int) -> str:
    return f"{article_id}@{start}-{end}"


def perspective(record: ArticleRecord, field: str) -> str | None:
    """The class of the article's outlet from its metadata field ``field`` ('left'), if any."""
    for key, value in record.article.metadata:
        if key == field:
            try:
                value = json.loads(value)
            except (TypeError, ValueError):
                pass
            return str(value).strip() or None if isinstance(value, (str, int, float)) else None
    return None


def listed(contest: Contest, records: dict[str, ArticleRecord], field: str,
           linked: bool = False) -> ListedContestOut:
    """A contest with each side's spread: its articles, outlets, outlet classes and dates."""
    sides = []
    all_articles: set[str] = set()
    all_outlets: set[str] = set()
    all_dates: list[str] = []
    for side in contest.sides:
        articles = list(dict.fromkeys(c.article_id for c in side.claims))
        # Outlets by name; an article that names none counts as one of its own.
        outlets: dict[str, str | None] = {}
        for aid in articles:
            rec = records.get(aid)
            name = (rec.article.source if rec else None) or f"\0{aid}"
            outlets.setdefault(name, perspective(rec, field) if rec else None)
        classes: dict[str, int] = {}
        for cls in outlets.values():
            if cls:
                classes[cls] = classes.get(cls, 0) + 1
        dates = sorted(c.date for c in side.claims if c.date)
        sides.append(ListedSideOut(position=side.position, claims=[ClaimOut.of(c) for c in side.claims],
                                   articles=articles, classes=classes,
                                   outlets=[o for o in outlets if not o.startswith("\0")],
                                   first_date=dates[0] if dates else None,
                                   last_date=dates[-1] if dates else None))
        all_articles.update(articles)
        all_outlets.update(o for o in outlets if not o.startswith("\0"))
        all_dates += dates
    all_dates.sort()
    keys = sorted(claim_key(c.article_id, c.start, c.end) for s in contest.sides for c in s.claims)
    cid = hashlib.sha1("\n".join(keys).encode("utf-8")).hexdigest()[:16]
    return ListedContestOut(id=cid, topic=contest.topic, kind=contest.kind, sides=sides,
                            articles=len(all_articles), outlets=len(all_outlets),
                            first_date=all_dates[0] if all_dates else None,
                            last_date=all_dates[-1] if all_dates else None, linked=linked)


def row(contest: Contest, topic_vec, records: dict[str, ArticleRecord], field: str,
        linked: bool = False) -> ContestRow:
    out = listed(contest, records, field, linked)
    # Outlets, or articles where no outlet is named, that carried each side.
    weakest = min(len(set(s.outlets)) + sum(1 for a in s.articles if not records.get(a)
                                                or not records[a].article.source)
                  for s in out.sides)
    claims = tuple(sorted(claim_key(c.article_id, c.start, c.end)
                          for s in contest.sides for c in s.claims))
    return ContestRow(id=out.id, payload=out.model_dump_json(), vector=topic_vec,
                      articles=tuple(sorted({k.rsplit("@", 1)[0] for k in claims})),
                      outlets=tuple(sorted({o for s in out.sides for o in s.outlets})),
                      first=date_int(out.first_date), last=date_int(out.last_date),
                      # Linked contests first (links.py); then the weaker side's outlets: a point
                      # only one outlet disputes ranks below one both sides of which were widely
                      # carried.
                      rank=LINKED_RANK * linked + weakest + out.outlets / 100, kind=out.kind,
                      claims=claims)


class ContestLedger:
    """Finds and stores the contests that involve the articles a sync hands over, each marked
    ``linked`` when the evidence ties its sides (``links.LinkRule``)."""

    #: 1: contests without ``linked``; 2: with it, linked ones ranked first; 3: found again
    #: for stores re-annotated (annotation 3) before a re-annotation brought its contests along;
    #: 4: figures linked only between quoted sources (``links``); 5: a denial answers what is
    #: said of the denier (``denials.SIM_ACCUSED``); 6: only the closest such claim; 7: a count
    #: told again more than a week later is updated, not disputed (``figures.MAX_COUNT_GAP``);
    #: 8: a denial of a definite description, of the claim of the person it names ("his
    #: allegations") or of a thing there was none of ("no quid pro quo") answers it
    #: (``denials``); 9: a denial by negation does not answer a negated assertion, nor does a
    #: speaker answer their own claim (``denials._NEGATED``, ``denials._own``); 10: nor does
    #: any negated denial, nor a denial by negation of a verb of thinking or wanting
    #: (``nlp.FRAME_VERBS``); 11: a denial of "her allegation" answers what she alleged against
    #: someone the denial names, not what she said last (``denials.told_as``); 12: a claim of
    #: avoiding or preventing something is a negative one (``denials._negated``); 13: but not
    #: for a negation that only sets a phrase against it ("..., but not about the assault").
    version = 13

    def __init__(self, table: ContestTable, read: ReadArticles, finder: ContestFinder,
                 settings: DisagreementSettings):
        self.table, self.read, self.finder, self.settings = table, read, finder, settings
        self.links = LinkRule(days=settings.link_days, similarity=settings.link_similarity)

    def __call__(self, changed: list[str], gone: list[str]) -> None:
        table = self.table
        dropped = table.involving(changed + gone)
        # The articles that shared a contest with a changed or gone one look again.
        others = sorted({k.rsplit("@", 1)[0] for keys in dropped.values() for k in keys}
                        - set(changed) - set(gone))
        table.replace(drop=dropped, add=[])
        t0 = time.perf_counter()
        todo = list(dict.fromkeys(changed + others))
        for aid in todo:
            self.update(aid)
        log.info("contests: %d articles looked at (%d gone) in %.1f s", len(todo), len(gone),
                 time.perf_counter() - t0)

    def neighbourhood(self, article_id: str) -> dict[str, ArticleRecord]:
        """``article_id`` and the articles its contests are looked for among (none when the
        article is not stored)."""
        s = self.settings
        near = [i for i, _ in self.table.neighbours(article_id, s.neighbours, s.min_similarity,
                                                    s.window_days)]
        records = self.read([article_id, *near])
        return records if article_id in records else {}

    def contests_of(self, article_id: str) -> list[ContestRow]:
        """The contests among ``article_id`` and its neighbours that involve it."""
        s = self.settings
        records = self.neighbourhood(article_id)
        if not records:
            return []
        rows = {}
        # The article alone too: a claim and its denial reported in one article must not be
        # lost because more articles around it merge its sides (measured: one more of the
        # allsides suite's 9 expected points; pairs of articles added none).
        facts = self.finder.facts(records)
        for ids in (list(records), [article_id]):
            sub = {i: records[i] for i in ids}
            for found in self.finder.among(sub):
                r = row(found.contest, found.topic_vec, sub, s.perspective_field,
                        linked=self.links.linked(found.contest, facts))
                if article_id in r.articles:
                    rows[r.id] = r
        return list(rows.values())

    def update(self, article_id: str) -> None:
        rows = self.contests_of(article_id)
        if not rows:
            return
        stored = self.table.involving({a for r in rows for a in r.articles})
        add, drop = [], set()
        for r in rows:
            mine = set(r.claims)
            if any(mine < set(keys) for keys in stored.values()):
                continue  # a stored contest already holds every claim of this one
            drop.update(cid for cid, keys in stored.items() if set(keys) < mine)
            add.append(r)
        # Within the new ones too, a contest inside another goes.
        add = [r for r in add if not any(set(r.claims) < set(o.claims) for o in add)]
        self.table.replace(drop=drop, add=add)
