// Rendering answers. Everything from the server is inserted as text (textContent, text nodes,
// attributes), never as HTML, so an article or answer containing markup shows it and runs nothing.

const CITE_RE = /\[([A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}(?:\s*[,;]\s*[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127})*)\]/g;
const STANCE = { asserts: "claims", denies: "denies", disputes: "disputes" };
const SHOWN_CLAIMS = 3;  // per side; the rest fold away so a long contest stays readable

let openArticle = () => {};
export function onOpenArticle(fn) { openArticle = fn; }

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

function describe(id, meta) {
  return [id, meta.source, meta.date].filter(Boolean).join(", ");
}

// A button that opens an article, with `span` ({start, end, quote}) highlighted.
function articleChip(articleId, meta, span, label, withMeta) {
  const info = [meta.source, meta.date].filter(Boolean).join(" · ");
  return el("button", {
    type: "button", class: "chip", "data-article": articleId, title: meta.title || articleId,
    "aria-label": "Open article " + describe(articleId, meta),
    onclick: (ev) => openArticle(articleId, span, ev.currentTarget),
  }, el("span", { class: "chip-id", text: label }),
  withMeta && info ? el("span", { class: "chip-meta", text: info }) : null);
}

// Citations grouped by article, in order of first citation: [{id, n, meta, quotes: [...]}].
function byArticle(citations) {
  const groups = new Map();
  for (const c of citations) {
    if (!groups.has(c.article_id)) {
      groups.set(c.article_id, { id: c.article_id, n: groups.size + 1, meta: c, quotes: [] });
    }
    const g = groups.get(c.article_id);
    if (!g.quotes.some((q) => q.start === c.start && q.end === c.end)) g.quotes.push(c);
  }
  return groups;
}

// The quote an inline [id] marker stands for: the one of that article lying in the sentence
// before the marker, else the article's first.
function quoteFor(group, sentence) {
  return group.quotes.find((q) => sentence.includes(q.quote) || q.quote.includes(sentence.trim()))
    || group.quotes[0];
}

function shortId(id) { return id.length > 14 ? id.slice(0, 12) + "…" : id; }

export function renderAnswerText(box, text, citations) {
  const groups = byArticle(citations);
  const provisional = citations.length === 0;
  box.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(CITE_RE)) {
    const ids = m[1].split(/\s*[,;]\s*/);
    // Only a marker of cited articles is a citation: brackets that an article's own text holds
    // ("checkpoint [some_id]") reach the answer with its quote and stay text. While an answer
    // streams in (no citations yet) markers show as provisional chips.
    if (provisional ? false : !ids.every((id) => groups.has(id))) continue;
    box.append(document.createTextNode(text.slice(last, m.index)));
    const from = Math.max(text.lastIndexOf(". ", m.index), text.lastIndexOf("] ", m.index - 1));
    const sentence = text.slice(from + 1, m.index);
    for (const id of ids) {
      const g = groups.get(id);
      const q = g ? quoteFor(g, sentence) : null;
      box.append(articleChip(id, g ? g.meta : {}, q, g ? String(g.n) : shortId(id), false));
    }
    last = m.index + m[0].length;
  }
  box.append(document.createTextNode(text.slice(last)));
}

function quoteButton(id, q) {
  return el("button", { type: "button", class: "quote-link", "data-article": id,
    onclick: (ev) => openArticle(id, q, ev.currentTarget) }, el("q", { text: q.quote }));
}

export function renderSources(section, citations) {
  const list = section.querySelector(".chips");
  list.replaceChildren();
  for (const g of byArticle(citations).values()) {
    const [first, ...more] = g.quotes;
    const item = el("li", { class: "source" },
      articleChip(g.id, g.meta, first, `${g.n} · ${g.id}`, true),
      el("span", { class: "source-title", text: g.meta.title || "" }),
      quoteButton(g.id, first));
    if (more.length) {
      item.append(el("details", { class: "more" },
        el("summary", { text: `${more.length} more quote${more.length > 1 ? "s" : ""} from this article` }),
        el("ul", {}, ...more.map((q) => el("li", {}, quoteButton(g.id, q))))));
    }
    list.append(item);
  }
  section.hidden = citations.length === 0;
}

function claimItem(c) {
  const affiliation = c.affiliation && c.affiliation !== c.speaker ?
    el("span", { class: "affiliation", text: ` (${c.affiliation})` }) : null;
  return el("li", { class: "event" },
    el("time", { class: "event-date", datetime: c.date || null, text: c.date || "undated" }),
    el("p", { class: "event-who" }, el("strong", { class: "speaker", text: c.speaker }), affiliation,
      " ", el("span", { class: `stance stance-${c.stance}`, text: STANCE[c.stance] || c.stance })),
    el("blockquote", { class: "event-quote", text: c.quote }),
    articleChip(c.article_id, { date: c.date }, { start: c.start, end: c.end, quote: c.quote },
      c.article_id, false));
}

export function renderContests(section, contested) {
  const box = section.querySelector(".contests");
  box.replaceChildren();
  for (const contest of contested) {
    const sides = el("div", { class: "sides" });
    contest.sides.forEach((side, i) => {
      // Oldest first, so each side reads as a timeline.
      const claims = [...side.claims].sort((a, b) => (a.date || "").localeCompare(b.date || ""));
      const column = el("div", { class: `side side-${i % 4}` },
        el("h4", { class: "side-position", text: side.position }),
        el("ol", { class: "timeline" }, ...claims.slice(0, SHOWN_CLAIMS).map(claimItem)));
      const rest = claims.slice(SHOWN_CLAIMS);
      if (rest.length) {
        column.append(el("details", { class: "more" },
          el("summary", { text: `${rest.length} more statement${rest.length > 1 ? "s" : ""}` }),
          el("ol", { class: "timeline" }, ...rest.map(claimItem))));
      }
      sides.append(column);
    });
    box.append(el("div", { class: "contest" },
      el("p", { class: "contest-topic", text: contest.topic }), sides));
  }
  section.hidden = contested.length === 0;
}

export function renderFinal(item, answer, asked) {
  renderAnswerText(item.querySelector(".answer-text"), answer.answer, answer.citations);
  renderSources(item.querySelector(".citations"), answer.citations);
  renderContests(item.querySelector(".contested"), answer.contested || []);
  const interpreted = item.querySelector(".interpreted");
  if (answer.question && answer.question.toLowerCase() !== asked.toLowerCase()) {
    interpreted.textContent = "Understood as: " + answer.question;
    interpreted.hidden = false;
  }
  const notes = item.querySelector(".notes");
  notes.textContent = (answer.notes || []).join(" ");
  notes.hidden = !(answer.notes || []).length;
  item.classList.toggle("abstained", Boolean(answer.abstained));
  item.dataset.state = "done";
  item.querySelector(".answer-text").removeAttribute("aria-busy");
}

// --- the Disagreements view: contests across the corpus ----------------------------------------
const KIND = { denial: "claim and denial", numbers: "numbers differ", dates: "dates differ",
  values: "accounts differ" };

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

// {"left": 2, "center": 1} -> "2 left, 1 center" (most first).
export function classesText(classes) {
  return Object.entries(classes || {}).filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, n]) => `${n} ${name}`).join(", ");
}

function dates(first, last, cls) {
  if (!first && !last) return el("span", { class: cls, text: "undated" });
  const a = el("time", { class: "first-date", datetime: first, text: first || "…" });
  if (!last || last === first) return el("span", { class: cls }, a);
  return el("span", { class: cls }, a, " – ", el("time", { class: "last-date", datetime: last, text: last }));
}

// A question for the chat about a contest: its topic, as the claim it disputes or as a subject.
export function contestQuestion(contest) {
  let topic = contest.topic.trim().replace(/[\s.?!:;,]+$/, "");
  if (/^(The|A|An|Several|Some|Many|Most|All|No|Few|Dozens|Hundreds|Thousands)\s/.test(topic)) {
    topic = topic[0].toLowerCase() + topic.slice(1);
  }
  return contest.kind === "denial" ? `Is it true that ${topic}?`
    : `What do the sources say about ${topic}?`;
}

// One contest of the list: topic, kind, dates and spread, then each side with its outlets, their
// classes and its article count; `actions.timeline(contest, button, box)` and `actions.ask(contest)`
// are the card's two buttons.
export function renderContestCard(contest, actions) {
  const topicId = "contest-topic-" + contest.id, boxId = "contest-timeline-" + contest.id;
  const facts = el("p", { class: "contest-facts" },
    el("span", { class: `kind kind-${contest.kind}`, "data-kind": contest.kind,
      text: KIND[contest.kind] || contest.kind }),
    contest.linked
      ? el("span", { class: "link link-yes", "data-linked": "true", text: "reported together",
          title: "The evidence ties its sides: one article reports the claim and its denial, or two sources give figures for one named event." })
      : el("span", { class: "link link-no", "data-linked": "false", text: "to check",
          title: "Paired from different articles by meaning alone: read both before relying on it." }),
    dates(contest.first_date, contest.last_date, "contest-dates"),
    el("span", { class: "contest-spread",
      text: `${plural(contest.articles, "article")} · ${plural(contest.outlets, "outlet")}` }),
    typeof contest.similarity === "number" ?
      el("span", { class: "similarity", text: `match ${Math.round(contest.similarity * 100)}%` }) : null);
  const sides = el("ul", { class: "sides" }, ...contest.sides.map((side, i) => {
    const classes = classesText(side.classes);
    return el("li", { class: `side side-${i % 4}` },
      el("h4", { class: "side-position", text: side.position }),
      el("p", { class: "side-outlets" },
        el("span", { class: "outlet-names", text: side.outlets.length ? side.outlets.join(", ") : "outlet unknown" }),
        classes ? el("span", { class: "side-classes", text: ` (${classes})` }) : null),
      el("p", { class: "side-articles" },
        el("span", { class: "side-count", text: plural(side.articles.length, "article") }),
        side.first_date ? " · " : null,
        side.first_date ? dates(side.first_date, side.last_date, "side-dates") : null));
  }));
  const claims = contest.sides.reduce((n, s) => n + s.claims.length, 0);
  const box = el("div", { class: "contest-timeline", id: boxId, hidden: true });
  const toggle = el("button", { type: "button", class: "quiet timeline-toggle", "aria-expanded": "false",
    "aria-controls": boxId, "aria-describedby": topicId, text: `Timeline (${plural(claims, "statement")})`,
    onclick: () => actions.timeline(contest, toggle, box) });
  const ask = el("button", { type: "button", class: "quiet ask-about", "aria-describedby": topicId,
    text: "Ask about this", onclick: () => actions.ask(contest) });
  return el("li", { class: "contest-card", "data-id": contest.id, "data-kind": contest.kind },
    el("h3", { class: "contest-topic", id: topicId, tabindex: "-1", text: contest.topic }),
    facts, sides, el("div", { class: "contest-actions" }, toggle, ask), box);
}

// Every side's claims, oldest first, undated last (a stable sort keeps each side's order).
export function mergedClaims(contest) {
  const all = [];
  contest.sides.forEach((side, i) => {
    for (const c of side.claims) all.push({ ...c, sideIndex: i, position: side.position });
  });
  return all.sort((a, b) => (a.date ? 0 : 1) - (b.date ? 0 : 1) || (a.date || "").localeCompare(b.date || ""));
}

function timelineEvent(c, article) {
  const span = { start: c.start, end: c.end, quote: c.quote };
  const meta = { source: article ? article.source : null, date: article ? article.date : null,
    title: article ? article.title : null };
  const affiliation = c.affiliation && c.affiliation !== c.speaker ?
    el("span", { class: "affiliation", text: ` (${c.affiliation})` }) : null;
  const item = el("li", { class: `event event-side-${c.sideIndex % 4}`, "data-article": c.article_id },
    el("time", { class: "event-date", datetime: c.date || null, text: c.date || "undated" }),
    el("p", { class: "event-who" }, el("strong", { class: "speaker", text: c.speaker }), affiliation,
      " ", el("span", { class: `stance stance-${c.stance}`, text: STANCE[c.stance] || c.stance }),
      " ", el("span", { class: "event-side", text: c.position })),
    el("button", { type: "button", class: "claim-quote", "data-article": c.article_id,
      title: "Open the article at this quote",
      onclick: (ev) => openArticle(c.article_id, span, ev.currentTarget) }, el("q", { text: c.quote })),
    el("p", { class: "event-source" },
      meta.source ? el("span", { class: "event-outlet", text: meta.source }) : null,
      meta.source ? " · " : null,
      articleChip(c.article_id, meta, span, c.article_id, false)));
  // The whole claim opens its article; its buttons do so themselves (and by keyboard).
  item.addEventListener("click", (ev) => {
    if (ev.target.closest("button, a")) return;
    if (String(window.getSelection() || "")) return;  // selecting text is not opening
    item.querySelector(".claim-quote").click();
  });
  return item;
}

// The contest as one timeline; `articles` maps article IDs to their article (for the outlet).
export function renderTimeline(box, contest, articles) {
  const claims = mergedClaims(contest);
  box.replaceChildren(
    el("ol", { class: "timeline", "aria-label": "Statements by date" },
      ...claims.map((c) => timelineEvent(c, articles.get(c.article_id)))));
}
