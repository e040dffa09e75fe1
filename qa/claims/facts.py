"""Checkable facts inside a claim: figures (what is counted, what happened to it, how many) and
dated events (who did what, on which day). The parse finds what a number counts and which verb a
date belongs to; regular expressions only read the numbers and dates themselves."""

from __future__ import annotations

import re

from .nlp import LIGHT_VERBS, PRONOUNS
from .record import Event, Quantity
from .names import name_of
from .speakers import ArticleContext

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_DATE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b"
                   r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?(?:,?\s+(\d{4}))?\b")
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
               "ninety": 90, "a dozen": 12, "dozen": 12})
_SCALE = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9}
#: Vague plurals: the range a reader would take them to mean.
_VAGUE = {"dozens": (24, 100), "scores": (40, 100), "hundreds": (200, 1000),
          "thousands": (2000, 10000), "millions": (2e6, 1e7), "tens of thousands": (2e4, 1e5)}
_NOT_COUNTED = frozenset("year years month months week weeks day days hour hours minute minutes "
                         "time times percent per cent point points kilometer kilometre mile miles "
                         "km am pm side sides".split())


def parse_date(text: str, year_hint: str | None) -> tuple[str, str] | None:
    """("2021-08-15", "August 15") for a day-precise date; None for weekdays, years, ranges."""
    m = _DATE.search(text)
    if not m:
        return None
    if m.group(1):
        mon, day, year = m.group(1), m.group(2), m.group(3)
    else:
        day, mon, year = m.group(4), m.group(5), m.group(6)
    month = MONTHS.get(mon.lower())
    if not month or not 1 <= int(day) <= 31:
        return None
    year = year or (year_hint[:4] if year_hint else None)
    iso = f"{year}-{month:02d}-{int(day):02d}" if year else f"--{month:02d}-{int(day):02d}"
    return iso, m.group(0)


def same_day(a: str, b: str) -> bool:
    """Two dates from ``parse_date`` name the same day (a missing year matches any)."""
    if a.startswith("--") or b.startswith("--"):
        return a[-5:] == b[-5:]
    return a == b


def value_range(text: str) -> tuple[float, float] | None:
    """The range a written figure means: "at least eight" -> (8, 16); "dozens" -> (24, 100);
    "a maximum of 50" -> (0, 50)."""
    t = " ".join(text.lower().replace(",", "").split())
    for word, rng in _VAGUE.items():
        if re.search(rf"\b{word}\b", t):
            return rng
    m = re.search(r"(\d+(?:\.\d+)?)\s*(hundred|thousand|million|billion)?", t)
    if m:
        v = float(m.group(1)) * _SCALE.get(m.group(2) or "", 1)
    else:
        v = None
        tens = re.search(r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ]"
                         r"(one|two|three|four|five|six|seven|eight|nine)\b", t)
        if tens:  # "thirty-one"
            v = float(_WORDS[tens.group(1)] + _WORDS[tens.group(2)])
        for w in sorted(_WORDS, key=len, reverse=True) if v is None else ():
            if re.search(rf"\b{w}\b", t):
                v = float(_WORDS[w])
                break
        sm = re.search(r"\b(hundred|thousand|million|billion)\b", t)
        if sm:
            v = (v or 1.0) * _SCALE[sm.group(1)]
        if v is None:
            return None
    if re.search(r"\b(maximum|at most|no more than|not more than|capped at)\b", t):
        return 0.0, v  # a limit, not a count: "a maximum of 50 years" holds 7 to 9 years
    if re.search(r"\b(at least|more than|over|upwards of|in excess of)\b", t):
        return v, v * 2
    if re.search(r"\b(about|around|approximately|nearly|almost|roughly|some|an estimated|estimated)\b", t):
        return v * 0.85, v * 1.15
    if re.search(r"\b(fewer than|less than|under|up to|as many as)\b", t):
        return v * 0.5, v
    return v, v


def _verbs_of(tok) -> list:
    """The verb a noun (or a number standing for one) is an argument of, with its conjuncts."""
    head = tok.head
    if tok.dep_ == "pobj" and head.dep_ == "agent":
        head = head.head
    if tok.dep_ == "pobj" and head.dep_ == "prep" and head.head.pos_ == "NOUN" \
            and head.head.dep_ == "pobj" and head.head.head.dep_ == "prep":
        # "crawled into a hole with two children": the parser hangs "with" on the noun
        head = head.head.head.head
    if head.pos_ not in ("VERB", "AUX") or tok.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj", "agent"):
        return []
    out = [head]
    if head.dep_ == "advcl" and head.head.pos_ == "VERB" or (
            head.dep_ == "conj" and head.head.pos_ == "VERB" and not _counts_own(head.head)):
        out.append(head.head)  # "were trapped ..., all the attackers were killed"
    # A conjunct verb with a count of its own is not what happened to this one: "killed at
    # least 16 people and wounded more than 100" (16 were killed, not wounded); "killed and
    # wounded 40 people" (40 were both).
    out += [c for c in head.children if c.dep_ == "conj" and c.pos_ == "VERB" and not _counts_own(c)]
    out += [c for v in list(out) for c in v.children if c.dep_ == "conj" and c.pos_ == "VERB"
            and c not in out and not _counts_own(c)]
    # "detonated his vest, killing all of them": what the act did to them
    out += [c for v in list(out) for c in v.children
            if c.dep_ == "advcl" and c.tag_ == "VBG" and c not in out
            and any(g.dep_ == "dobj" for g in c.children)]
    return out


def _counts_own(verb) -> bool:
    """Whether a verb has a count of its own: an object or passive subject that is, or holds, a
    number ("wounded more than 100", "11 were wounded"; not "detonated an explosive vest")."""
    return any(c.dep_ in ("dobj", "nsubjpass") and any(
        t.like_num or t.ent_type_ == "CARDINAL" for t in c.subtree) for c in verb.children)


#: The ``date`` of a figure counted over a stretch of time rather than on one day.
PERIOD = "period"
_PERIOD = re.compile(r"\b(year|years|month|months|week|weeks|since|so far|to date|decade)\b", re.I)


def is_vague(text: str) -> bool:
    """A figure that names no number ("dozens", "hundreds of thousands")."""
    t = text.lower()
    return any(re.search(rf"\b{w}\b", t) for w in _VAGUE) and not re.search(r"\d", t)


def quantities(span, ctx: ArticleContext, year_hint: str | None = None) -> list[Quantity]:
    """Figures in ``span`` (tokens of one sentence) that count something that happened; none
    from a sentence about another year ("in 1988 ... killed all 290 people")."""
    out: list[Quantity] = []
    doc = span.doc if hasattr(span, "doc") else span[0].doc
    lo_i, hi_i = span[0].i, span[-1].i + 1
    sent = doc[lo_i].sent
    years = {m for e in sent.ents if e.label_ == "DATE" for m in re.findall(r"\b(1[89]\d\d|20\d\d)\b", e.text)}
    if year_hint and years and years != {year_hint[:4]}:
        return []
    days = dates_in(sent, year_hint)
    day = days[0][1] if len(days) == 1 else ""
    if not day and any(e.label_ == "DATE" and _PERIOD.search(e.text) for e in sent.ents):
        day = PERIOD  # "four soldiers were killed earlier this year"
    place_ents = [e for e in sent.ents if e.label_ in ("GPE", "LOC")]
    seen: set[int] = set()
    cands = [(e.root, e.text, e.start, e.end) for e in doc.ents
             if e.label_ == "CARDINAL" and lo_i <= e.start and e.end <= hi_i]
    cands += [(t, t.text, t.i, t.i + 1) for t in doc[lo_i:hi_i]
              if t.lower_ in ("dozens", "hundreds", "thousands", "scores") and t.ent_type_ != "CARDINAL"]
    for root, text, s, e in cands:
        if s in seen:
            continue
        seen.add(s)
        rng = value_range(text)
        if rng is None:
            continue
        noun, subj = None, root
        if root.dep_ in ("nummod", "quantmod", "compound") and root.head.pos_ in ("NOUN", "PROPN"):
            noun = root.head
            subj = noun
        else:
            of = [g for c in root.children if c.dep_ == "prep" and c.lower_ == "of"
                  for g in c.children if g.dep_ == "pobj"]
            if of:
                noun = of[0]
        if noun is None or noun.lemma_.lower() in _NOT_COUNTED or noun.ent_type_ in ("DATE", "TIME"):
            continue
        verbs = [v for v in _verbs_of(subj) if v.lemma_ not in ("be", "have")]
        if not verbs:
            continue
        if any(c.dep_ == "conj" and any(g.dep_ == "nummod" or g.lower_ in ("a", "an") for g in c.children)
               for c in noun.children) or (noun.dep_ == "conj" and any(
                   g.dep_ == "nummod" for g in noun.head.children)):
            # "two officers and one sergeant entered": a part of a count the sentence adds up
            # (three people entered), never a figure that differs from "three officers"
            rng = (rng[0], max(rng[1], rng[0] * 2))  # as "at least" reads
        mods = [c for c in noun.children if c.dep_ in ("compound", "amod") and c.i < noun.i]
        words = [t.text if t.pos_ == "PROPN" else t.lower_ for t in [*mods, noun]]
        passive = any(c.dep_ == "auxpass" for c in verbs[0].children)
        shown = [v for v in verbs if not (v.dep_ == "advcl" and v.tag_ == "VBG")] or verbs
        vtext = " or ".join(dict.fromkeys(v.lower_ for v in shown[:3]))
        phrase = " ".join(words) + (" were " if passive else " ") + vtext
        # "an attack late Monday that killed at least 16": the day of what was counted, not of
        # the report ("Trump said Sunday that three children died").
        on = day or weekday_date(sent, year_hint, verbs)
        out.append(Quantity(text=text, lo=rng[0], hi=rng[1], noun=noun.lemma_.lower(),
                            verbs=tuple(sorted({v.lemma_.lower() for v in verbs})), phrase=phrase,
                            counted=" ".join(words), date=on, places=_nearest_places(root, place_ents)))
    return out


def _nearest_places(tok, ents) -> tuple[str, ...]:
    """The places a figure is about: of the places its sentence names, those nearest to it in
    the parse. "Less than 24 hours after the shooting in Texas, a gunman began shooting in
    Dayton, Ohio, killing nine people": nine is Dayton's, not Texas's (nor Ohio's, which only
    says where Dayton is)."""
    if not ents:
        return ()
    up = {t.i: d for d, t in enumerate([tok, *tok.ancestors])}

    def distance(e) -> int:
        for d, t in enumerate([e.root, *e.root.ancestors]):
            if t.i in up:
                return d + up[t.i]
        return 10**6

    dist = [distance(e) for e in ents]
    return tuple(sorted({e.text for e, d in zip(ents, dist) if d == min(dist)}))


def _subject(verb, ctx: ArticleContext, depth: int = 0):
    """(key, name) of who did ``verb``: its subject, or the subject it shares as a conjunct or
    controlled clause; relative pronouns and he/she resolved."""
    if depth > 4:
        return None
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None:
        if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
            return _subject(verb.head, ctx, depth + 1)
        return None
    if subj.lower_ in ("who", "which", "that") and verb.dep_ == "relcl":
        subj = verb.head
        if subj.dep_ == "appos":
            subj = subj.head
    if subj.lower_ in PRONOUNS:
        if subj.lower_ in ("he", "she"):
            # "Ghani said he had stepped down": the reporting subject
            up = verb.head
            while up is not None and up.dep_ in ("ccomp", "conj", "advcl", "xcomp") and up.head.i != up.i:
                up = up.head
            reporter = next((c for c in up.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"), None) if up is not None else None
            if reporter is not None:
                subj = reporter
            elif ctx.last_person is not None:
                return ctx.last_person.name.split()[-1].lower(), ctx.last_person.name
            else:
                return None
        else:
            return None
    if subj.pos_ == "PROPN":
        name = name_of(subj)
        if subj.ent_type_ in ("ORG", "GPE", "NORP"):
            canon = ctx.canonical(name)
            return canon.lower(), canon
        return name.split()[-1].lower(), name
    comp = next((c for c in subj.children if c.dep_ in ("compound", "amod", "poss")
                 and c.ent_type_ in ("ORG", "GPE", "NORP")), None)
    if comp is not None:
        canon = ctx.canonical(comp.text)
        return canon.lower(), f"{canon} {subj.text}"
    mods = [c for c in subj.children if c.dep_ in ("det", "amod", "compound") and c.i < subj.i]
    return subj.lemma_.lower(), " ".join(t.text for t in [*mods, subj])


_WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
_AHEAD = re.compile(r"\b(?:next|coming|following)\b", re.I)


def weekday_date(sent, article_date: str | None, verbs=()) -> str:
    """The day a weekday names in a news sentence: the latest such day on or before the
    article's date ("late Monday" in an article of Thursday 5 September 2019: 2019-09-02), as
    news writes the days of the week just past. With ``verbs``, only a weekday said of one of
    them (the first verb above it in the parse is one of them: "an attack late Monday that
    killed 16", not "Trump said Sunday that 16 were killed"). "" when the sentence names no
    such weekday, more than one, one ahead ("next Monday"), or the article's day is unknown."""
    from datetime import date, timedelta

    own = {v.i for v in verbs}

    def said_of(ent) -> bool:
        if not own:
            return True
        up = ent.root
        while up.head.i != up.i:
            up = up.head
            if up.pos_ in ("VERB", "AUX"):
                return up.i in own
        return False

    named = {m.group(1).lower() for e in sent.ents if e.label_ in ("DATE", "TIME")
             and not _AHEAD.search(e.text) and said_of(e) for m in _WEEKDAY.finditer(e.text)}
    if len(named) != 1 or not article_date:
        return ""
    try:
        published = date.fromisoformat(article_date[:10])
    except ValueError:
        return ""
    back = (published.weekday() - _WEEKDAYS[named.pop()]) % 7
    return (published - timedelta(days=back)).isoformat()


def dates_in(sent, year_hint: str | None) -> list[tuple[object, str, str]]:
    """(entity, iso, text) for each day-precise date in a sentence."""
    out = []
    for ent in sent.ents:
        if ent.label_ == "DATE":
            d = parse_date(ent.text, year_hint)
            if d:
                out.append((ent, d[0], d[1]))
    return out


def events(sent, ctx: ArticleContext, year_hint: str | None,
           inherited: tuple[str, str] | None = None) -> list[tuple[Event, object, bool]]:
    """(event, its verb token, whether the date came from the previous sentence) for each
    dated action in a sentence."""
    dates = dates_in(sent, year_hint)
    out = []
    for verb in sent:
        if verb.pos_ != "VERB" or verb.lemma_.lower() in LIGHT_VERBS or verb.dep_ in ("amod", "aux"):
            continue
        own = None
        for ent, iso, text in dates:
            up = ent.root
            while up.head.i != up.i and up.pos_ not in ("VERB", "AUX"):
                up = up.head
            if up == verb:
                own = (iso, text)
        inherit = False
        if own is None:
            if len(dates) == 1:
                own = dates[0][1:]
            elif not dates and inherited:
                own, inherit = inherited, True
        if own is None:
            continue
        subj = _subject(verb, ctx)
        if subj is None:
            continue
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "prt")), None)
        label = f"{subj[1]} {verb.text}" + (f" {' '.join(t.text for t in obj.subtree)}" if obj is not None else "")
        out.append((Event(verb.lemma_.lower(), subj[0], " ".join(label.split()), own[0], own[1]),
                    verb, inherit))
    return out
