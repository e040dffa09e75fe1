// The chat page: asking (streamed), the conversation, filters, shareable links, the article
// panel, and the Disagreements view (contested points across the corpus). Rendering lives in
// render.js, the API in api.js.
import { ApiError, contestsUrl, getJSON, postStream, setToken } from "./api.js";
import { contestQuestion, el, onOpenArticle, renderAnswerText, renderContestCard, renderFinal,
  renderTimeline } from "./render.js";

const state = { sessionId: null, busy: false, articles: new Map(), opener: null, view: "chat" };
const CONTESTS_PAGE = 10;
const contests = { params: null, offset: 0, total: 0, seq: 0, loaded: false };
const $ = (id) => document.getElementById(id);

// --- filters and links -------------------------------------------------------------------------
function currentFilters() {
  const f = {};
  if ($("after").value) f.after = $("after").value;
  if ($("before").value) f.before = $("before").value;
  if ($("source").value) f.sources = [$("source").value];
  return f;
}

function showFilterSummary() {
  const f = currentFilters();
  const parts = [];
  if (f.sources) parts.push(f.sources[0]);
  if (f.after || f.before) parts.push((f.after || "…") + " – " + (f.before || "…"));
  $("filter-summary").textContent = parts.length ? "(" + parts.join(", ") + ")" : "";
}

function shareLink(question, filters) {
  const p = new URLSearchParams({ q: question });
  if (filters.after) p.set("after", filters.after);
  if (filters.before) p.set("before", filters.before);
  if (filters.sources) p.set("source", filters.sources[0]);
  return location.origin + "/?" + p.toString();
}

async function loadSources() {
  try {
    const { sources } = await getJSON("/api/sources");
    const select = $("source");
    const chosen = select.value || new URLSearchParams(location.search).get("source");
    select.replaceChildren(el("option", { value: "", text: "All outlets" }),
      ...sources.map((s) => el("option", { value: s, text: s })));
    if (chosen && sources.includes(chosen)) select.value = chosen;
    showFilterSummary();
    const other = $("contest-source"), kept = other.value;  // the Disagreements view's outlets
    other.replaceChildren(el("option", { value: "", text: "All outlets" }),
      ...sources.map((s) => el("option", { value: s, text: s })));
    if (kept && sources.includes(kept)) other.value = kept;
  } catch (err) {
    if (err.status === 401) showTokenRow();
  }
}

// The one token box, shown in the view that needs it.
function showTokenRow() {
  const row = $("token-row");
  if (state.view === "disagreements") $("contest-error").after(row);
  else $("ask-hint").after(row);
  row.hidden = false;
}

// --- asking ------------------------------------------------------------------------------------
function addUserTurn(question) {
  $("log").append(el("li", { class: "turn user" }, el("p", { text: question })));
  $("empty").hidden = true;
}

function newAnswerItem(question, filters) {
  const item = $("t-answer").content.firstElementChild.cloneNode(true);
  const link = shareLink(question, filters);
  item.querySelector(".share").href = link;
  item.querySelector(".copy").addEventListener("click", async (ev) => {
    try { await navigator.clipboard.writeText(link); ev.target.textContent = "Copied"; }
    catch (_) { ev.target.textContent = "Copy failed: use the link"; }
  });
  $("log").append(item);
  return item;
}

function showError(item, err) {
  item.dataset.state = "error";
  const box = item.querySelector(".answer-text");
  box.removeAttribute("aria-busy");
  box.replaceChildren(el("p", { class: "error", text: err.message || String(err) }));
  if (err.status === 401) showTokenRow();
}

async function ask(question) {
  question = question.trim();
  if (!question || state.busy) return;
  state.busy = true;
  $("send").disabled = true;
  const filters = currentFilters();
  addUserTurn(question);
  const item = newAnswerItem(question, filters);
  const box = item.querySelector(".answer-text");
  let text = "", deltas = 0;
  const onEvent = (ev) => {
    if (ev.type === "delta") {
      text += ev.text;
      item.dataset.deltas = String(++deltas);
      renderAnswerText(box, text, []);
    } else if (ev.type === "reset") {  // the LLM failed midway: its text is replaced
      text = "";
      box.replaceChildren();
    } else if (ev.type === "answer") {
      state.sessionId = ev.answer.session_id || state.sessionId;
      renderFinal(item, ev.answer, question);
    } else if (ev.type === "error") {
      throw new ApiError(ev.status, ev.error.code, ev.error.message);
    }
  };
  const body = () => ({ question, session_id: state.sessionId, filters });
  try {
    try {
      await postStream("/api/chat/stream", body(), onEvent);
    } catch (err) {
      if (err.code !== "session_not_found") throw err;
      state.sessionId = null;  // the conversation expired: start a new one with this question
      await postStream("/api/chat/stream", body(), onEvent);
      const notes = item.querySelector(".notes");
      notes.textContent = "The earlier conversation had expired; this starts a new one. " + notes.textContent;
      notes.hidden = false;
    }
    $("question").value = "";
    $("status").textContent = "Answer ready.";
  } catch (err) {
    showError(item, err);  // the question stays in the box: nothing typed is lost
    $("status").textContent = "The question failed: " + err.message;
  } finally {
    state.busy = false;
    $("send").disabled = false;
    item.scrollIntoView({ block: "nearest" });
  }
}

// --- views: the chat and the Disagreements ---------------------------------------------------
const VIEWS = {
  chat: { tab: "tab-chat", panel: "chat", input: "question", skip: "Skip to the question box" },
  disagreements: { tab: "tab-disagreements", panel: "disagreements-view", input: "contest-q",
    skip: "Skip to the disagreements search" },
};

function showView(name, focus) {
  if (!VIEWS[name]) name = "chat";
  state.view = name;
  for (const [key, v] of Object.entries(VIEWS)) {
    const on = key === name;
    if (on) $(v.tab).setAttribute("aria-current", "page"); else $(v.tab).removeAttribute("aria-current");
    $(v.panel).hidden = !on;
  }
  $("new-chat").hidden = name !== "chat";
  const skip = document.querySelector(".skip");
  skip.textContent = VIEWS[name].skip;
  skip.href = "#" + VIEWS[name].input;
  if (!$("token-row").hidden) showTokenRow();
  const hash = name === "chat" ? "" : "#" + name;
  if (location.hash !== hash) history.replaceState(null, "", location.pathname + location.search + hash);
  if (name === "disagreements" && !contests.loaded) loadContests(true);
  if (focus) $(VIEWS[name].input).focus();
}

// --- the Disagreements view ------------------------------------------------------------------
function contestFilters() {
  const f = {};
  const q = $("contest-q").value.trim();
  if (q) f.q = q;
  if ($("contest-after").value) f.after = $("contest-after").value;
  if ($("contest-before").value) f.before = $("contest-before").value;
  if ($("contest-source").value) f.sources = [$("contest-source").value];
  if ($("contest-linked").checked) f.linked = true;
  return f;
}

// Loads the first page for the filters as they are now (reset) or the next page ("More").
async function loadContests(reset) {
  const seq = ++contests.seq;  // a later load wins: answers to earlier ones are dropped
  if (reset) { contests.params = contestFilters(); contests.offset = 0; }
  const list = $("contest-list"), more = $("contest-more"), error = $("contest-error");
  list.setAttribute("aria-busy", "true");
  more.disabled = true;
  error.hidden = true;
  $("contest-status").textContent = reset ? "Loading disagreements…" : "Loading more…";
  try {
    const page = await getJSON(contestsUrl(contests.params, CONTESTS_PAGE, contests.offset));
    if (seq !== contests.seq) return;
    const cards = page.contests.map((c) => renderContestCard(c, { timeline: toggleTimeline, ask: askAbout }));
    if (reset) list.replaceChildren();
    list.append(...cards);
    contests.offset = page.offset + page.contests.length;
    contests.total = page.total;
    contests.loaded = true;
    const shown = list.children.length;
    $("contest-empty").hidden = shown > 0;
    more.hidden = contests.offset >= page.total || page.contests.length === 0;
    const matching = contests.params.q ? ` matching “${contests.params.q}”` : "";
    $("contest-status").textContent = page.total === 0 ? "" :
      `${page.total} disagreement${page.total === 1 ? "" : "s"}${matching}` +
      (shown < page.total ? `, showing ${shown}` : "");
    if (!reset && cards.length) cards[0].querySelector(".contest-topic").focus();
  } catch (err) {
    if (seq !== contests.seq) return;
    if (reset) { list.replaceChildren(); more.hidden = true; }
    $("contest-empty").hidden = true;
    $("contest-status").textContent = "";
    error.textContent = err.message || String(err);
    error.hidden = false;
    if (err.status === 401) showTokenRow();
  } finally {
    if (seq === contests.seq) {
      list.setAttribute("aria-busy", "false");
      more.disabled = false;
    }
  }
}

// Articles by ID (for each claim's outlet), from the viewer's cache or the API, a few at a time;
// one that fails to load is left out.
async function articlesById(ids) {
  const missing = [...new Set(ids)].filter((id) => !state.articles.has(id));
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const id = missing[next++];
      try { state.articles.set(id, await getJSON("/api/articles/" + encodeURIComponent(id))); }
      catch (err) { if (err.status === 401) throw err; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, missing.length) }, worker));
  return new Map(ids.filter((id) => state.articles.has(id)).map((id) => [id, state.articles.get(id)]));
}

async function toggleTimeline(contest, button, box) {
  if (button.getAttribute("aria-expanded") === "true") {
    button.setAttribute("aria-expanded", "false");
    box.hidden = true;
    return;
  }
  button.setAttribute("aria-expanded", "true");
  box.hidden = false;
  if (box.dataset.state === "done" || box.dataset.state === "loading") return;
  box.dataset.state = "loading";
  box.replaceChildren(el("p", { class: "hint", text: "Loading the timeline…" }));
  let articles = new Map();
  try {
    articles = await articlesById(contest.sides.flatMap((s) => s.claims.map((c) => c.article_id)));
  } catch (err) {  // refused: the timeline shows without outlets; the token box asks for the token
    if (err.status === 401) showTokenRow();
  }
  renderTimeline(box, contest, articles);
  box.dataset.state = "done";
}

function askAbout(contest) {
  const question = contestQuestion(contest);
  showView("chat");
  const q = $("question");
  q.value = question;
  q.focus();
  ask(question);  // busy with another answer: the question waits in the box
}

// --- the article panel -------------------------------------------------------------------------
async function openArticle(articleId, span, opener) {
  const panel = $("panel"), title = $("panel-title"), box = $("panel-text");
  state.opener = opener || null;
  panel.hidden = false;
  document.body.classList.add("panel-open");
  title.textContent = "Loading " + articleId + "…";
  $("panel-meta").textContent = "";
  box.replaceChildren();
  let art = state.articles.get(articleId);
  try {
    if (!art) {
      art = await getJSON("/api/articles/" + encodeURIComponent(articleId));
      state.articles.set(articleId, art);
    }
  } catch (err) {
    title.textContent = "Article " + articleId;
    box.replaceChildren(el("p", { class: "error", text: err.message }));
    return;
  }
  title.textContent = art.title || art.id;
  $("panel-meta").replaceChildren(document.createTextNode(
    [art.source, art.date, art.id].filter(Boolean).join(" · ")));
  if (art.url && /^https?:\/\//.test(art.url)) {
    $("panel-meta").append(" · ", el("a", { href: art.url, rel: "noopener noreferrer",
      target: "_blank", text: "original" }));
  }
  const text = art.text;
  let start = span ? span.start : -1, end = span ? span.end : -1;
  if (span && span.quote === undefined && end > start) span.quote = text.slice(start, end);
  if (span && text.slice(start, end) !== span.quote) {  // the server checks offsets; be safe anyway
    start = text.indexOf(span.quote);
    end = start + span.quote.length;
  }
  if (start >= 0 && end > start) {
    const mark = el("mark", { class: "quote", text: text.slice(start, end) });
    box.replaceChildren(document.createTextNode(text.slice(0, start)), mark,
      document.createTextNode(text.slice(end)));
    mark.scrollIntoView({ block: "center" });
  } else {
    box.replaceChildren(document.createTextNode(text));
    panel.scrollTop = 0;
  }
  title.focus({ preventScroll: true });
}

function closeArticle() {
  $("panel").hidden = true;
  document.body.classList.remove("panel-open");
  if (state.opener && document.contains(state.opener)) state.opener.focus();
}

// --- wiring ------------------------------------------------------------------------------------
function start() {
  const form = $("ask-form"), q = $("question");
  onOpenArticle(openArticle);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); ask(q.value); });
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); ask(q.value); }
  });
  for (const b of document.querySelectorAll(".example")) {
    b.addEventListener("click", () => { q.value = b.textContent; ask(b.textContent); });
  }
  document.querySelector(".skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    $(VIEWS[state.view].input).focus();
  });
  $("tab-chat").addEventListener("click", () => showView("chat", true));
  $("tab-disagreements").addEventListener("click", () => showView("disagreements", true));
  window.addEventListener("hashchange", () => showView(location.hash === "#disagreements" ?
    "disagreements" : "chat"));
  $("contest-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadContests(true); });
  for (const id of ["contest-after", "contest-before", "contest-source", "contest-linked"]) {
    $(id).addEventListener("change", () => loadContests(true));
  }
  $("contest-q").addEventListener("search", () => {  // the box's own clear button
    if (!$("contest-q").value) loadContests(true);
  });
  $("contest-clear").addEventListener("click", () => {
    for (const id of ["contest-q", "contest-after", "contest-before", "contest-source"]) $(id).value = "";
    $("contest-linked").checked = false;
    loadContests(true);
    $("contest-q").focus();
  });
  $("contest-more").addEventListener("click", () => loadContests(false));
  $("panel-close").addEventListener("click", closeArticle);
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !$("panel").hidden) closeArticle();
  });
  $("new-chat").addEventListener("click", () => {
    state.sessionId = null;
    $("log").replaceChildren();
    $("empty").hidden = false;
    closeArticle();
    q.focus();
  });
  for (const id of ["after", "before", "source"]) $(id).addEventListener("change", showFilterSummary);
  $("clear-filters").addEventListener("click", () => {
    $("after").value = ""; $("before").value = ""; $("source").value = ""; showFilterSummary();
  });
  $("save-token").addEventListener("click", () => {
    setToken($("token").value.trim());
    $("token-row").hidden = true;
    loadSources();
    if (state.view === "disagreements") loadContests(true);
    $(VIEWS[state.view].input).focus();
  });

  if (location.hash === "#disagreements") showView("disagreements");
  const params = new URLSearchParams(location.search);
  if (params.get("after")) $("after").value = params.get("after");
  if (params.get("before")) $("before").value = params.get("before");
  if (params.get("after") || params.get("before") || params.get("source")) $("filters").open = true;
  loadSources().then(() => {
    const shared = params.get("q");
    if (shared) { q.value = shared; ask(shared); }
    // Links from Slack and elsewhere: /?article=<id>&start=<s>&end=<e> opens the quoted span.
    const linked = params.get("article");
    if (linked) {
      const s = parseInt(params.get("start"), 10), e = parseInt(params.get("end"), 10);
      openArticle(linked, Number.isInteger(s) && Number.isInteger(e) ? { start: s, end: e } : null);
    }
  });
  $(VIEWS[state.view].input).focus();
}

start();  // module scripts run after the document is parsed
