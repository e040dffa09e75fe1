// The chat page. Everything from the server is inserted as text (textContent, never innerHTML),
// so an article or answer that contains markup shows the markup and runs nothing.
"use strict";

const CITE_RE = /\[([A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}(?:\s*[,;]\s*[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127})*)\]/g;
const state = { sessionId: null, busy: false, token: sessionStorage.getItem("qa-token") || "",
                articles: new Map(), opener: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
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

// --- API ---------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function headers() {
  const h = { "Content-Type": "application/json", "Accept": "application/json, text/event-stream" };
  if (state.token) h.Authorization = "Bearer " + state.token;
  return h;
}

async function failure(resp) {
  let code = "http_" + resp.status, message = resp.statusText || "request failed";
  try {
    const body = await resp.json();
    if (body && body.error) { code = body.error.code; message = body.error.message; }
  } catch (_) { /* not JSON: keep the status line */ }
  return new ApiError(resp.status, code, message);
}

async function getJSON(url) {
  const resp = await fetch(url, { headers: headers() });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}

// POSTs and reads Server-Sent Events, calling onEvent for each parsed event.
async function postStream(url, body, onEvent) {
  const resp = await fetch(url, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (!resp.ok) throw await failure(resp);
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = frame.split("\n").filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart()).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
  }
}

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
    const wanted = new URLSearchParams(location.search).get("source");
    for (const s of sources) select.append(el("option", { value: s, text: s }));
    if (wanted && sources.includes(wanted)) select.value = wanted;
    showFilterSummary();
  } catch (err) {
    if (err.status === 401) $("token-row").hidden = false;
  }
}

// --- rendering an answer -----------------------------------------------------------------------
function shortId(id) { return id.length > 14 ? id.slice(0, 12) + "…" : id; }

function chipLabel(meta) {
  return [meta.source, meta.date].filter(Boolean).join(" · ");
}

function articleChip(articleId, meta, span, label) {
  const text = label || articleId;
  return el("button", {
    type: "button", class: "chip", "data-article": articleId, title: meta.title || articleId,
    "aria-label": `Open article ${articleId}${meta.source ? ", " + meta.source : ""}${meta.date ? ", " + meta.date : ""}`,
    onclick: (ev) => openArticle(articleId, span, ev.currentTarget),
  }, el("span", { class: "chip-id", text }), meta.source || meta.date ?
    el("span", { class: "chip-meta", text: chipLabel(meta) }) : null);
}

// Which citation an inline [id] marker stands for: the one of that article whose quote lies in
// the sentence before the marker, else the first one of that article.
function citationFor(id, sentence, citations) {
  const same = citations.filter((c) => c.article_id === id);
  return same.find((c) => sentence.includes(c.quote) || c.quote.includes(sentence.trim())) || same[0];
}

function renderAnswerText(box, text, citations) {
  box.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(CITE_RE)) {
    const before = text.slice(last, m.index);
    box.append(document.createTextNode(before));
    const sentenceStart = Math.max(text.lastIndexOf(". ", m.index), text.lastIndexOf("] ", m.index - 1));
    const sentence = text.slice(sentenceStart + 1, m.index);
    for (const id of m[1].split(/\s*[,;]\s*/)) {
      const c = citationFor(id, sentence, citations);
      const n = citations.findIndex((x) => x === c) + 1;
      const span = c ? { start: c.start, end: c.end, quote: c.quote } : null;
      box.append(articleChip(id, c || {}, span, n ? String(n) : shortId(id)));
    }
    last = m.index + m[0].length;
  }
  box.append(document.createTextNode(text.slice(last)));
}

function renderCitations(section, citations) {
  const list = section.querySelector(".chips");
  list.replaceChildren();
  citations.forEach((c, i) => {
    const chip = articleChip(c.article_id, c, { start: c.start, end: c.end, quote: c.quote },
      `${i + 1} · ${c.article_id}`);
    list.append(el("li", {}, chip, el("q", { class: "chip-quote", text: c.quote })));
  });
  section.hidden = citations.length === 0;
}

const STANCE = { asserts: "claims", denies: "denies", disputes: "disputes" };

function renderContests(section, contested) {
  const box = section.querySelector(".contests");
  box.replaceChildren();
  for (const contest of contested) {
    const sides = el("div", { class: "sides" });
    contest.sides.forEach((side, i) => {
      const claims = [...side.claims].sort((a, b) => (a.date || "").localeCompare(b.date || ""));
      const timeline = el("ol", { class: "timeline" });
      for (const c of claims) {
        const who = c.affiliation && c.affiliation !== c.speaker ? `${c.speaker} (${c.affiliation})` : c.speaker;
        timeline.append(el("li", { class: "event" },
          el("time", { class: "event-date", datetime: c.date || null, text: c.date || "undated" }),
          el("p", { class: "event-who" }, el("strong", { class: "speaker", text: who }),
            " ", el("span", { class: `stance stance-${c.stance}`, text: STANCE[c.stance] || c.stance })),
          el("blockquote", { class: "event-quote", text: c.quote }),
          articleChip(c.article_id, { date: c.date }, { start: c.start, end: c.end, quote: c.quote })));
      }
      sides.append(el("div", { class: `side side-${i % 4}` },
        el("h4", { class: "side-position", text: side.position }), timeline));
    });
    box.append(el("div", { class: "contest" },
      el("p", { class: "contest-topic", text: contest.topic }), sides));
  }
  section.hidden = contested.length === 0;
}

function renderFinal(item, answer, asked) {
  renderAnswerText(item.querySelector(".answer-text"), answer.answer, answer.citations);
  renderCitations(item.querySelector(".citations"), answer.citations);
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
  if (err.status === 401) { $("token-row").hidden = false; $("token").focus(); }
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
    } else if (ev.type === "reset") {
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
      item.querySelector(".notes").hidden = false;
      item.querySelector(".notes").textContent = "The earlier conversation had expired; this starts a new one.";
      await postStream("/api/chat/stream", body(), onEvent);
    }
    $("question").value = "";
    $("status").textContent = "Answer ready.";
  } catch (err) {
    showError(item, err);  // the question stays in the box, so nothing typed is lost
    $("status").textContent = "The question failed: " + err.message;
  } finally {
    state.busy = false;
    $("send").disabled = false;
    item.scrollIntoView({ block: "nearest" });
  }
}

// --- the article panel -------------------------------------------------------------------------
async function openArticle(articleId, span, opener) {
  const panel = $("panel");
  state.opener = opener || null;
  panel.hidden = false;
  document.body.classList.add("panel-open");
  $("panel-title").textContent = "Loading " + articleId + "…";
  $("panel-meta").textContent = "";
  $("panel-text").replaceChildren();
  let art = state.articles.get(articleId);
  try {
    if (!art) {
      art = await getJSON("/api/articles/" + encodeURIComponent(articleId));
      state.articles.set(articleId, art);
    }
  } catch (err) {
    $("panel-title").textContent = "Article " + articleId;
    $("panel-text").replaceChildren(el("p", { class: "error", text: err.message }));
    return;
  }
  $("panel-title").textContent = art.title || art.id;
  const meta = [art.source, art.date, art.id].filter(Boolean).join(" · ");
  $("panel-meta").replaceChildren(document.createTextNode(meta));
  if (art.url && /^https?:\/\//.test(art.url)) {
    $("panel-meta").append(" · ", el("a", { href: art.url, rel: "noopener noreferrer", target: "_blank", text: "original" }));
  }
  const text = art.text;
  let start = span ? span.start : -1, end = span ? span.end : -1;
  if (span && text.slice(start, end) !== span.quote) {  // offsets are checked server-side; be safe
    start = text.indexOf(span.quote);
    end = start + span.quote.length;
  }
  const box = $("panel-text");
  if (start >= 0 && end > start) {
    const mark = el("mark", { class: "quote", text: text.slice(start, end) });
    box.replaceChildren(document.createTextNode(text.slice(0, start)), mark,
      document.createTextNode(text.slice(end)));
    mark.scrollIntoView({ block: "center" });
  } else {
    box.replaceChildren(document.createTextNode(text));
    box.scrollTop = 0;
  }
  $("panel-title").focus({ preventScroll: true });
}

function closeArticle() {
  $("panel").hidden = true;
  document.body.classList.remove("panel-open");
  if (state.opener && document.contains(state.opener)) state.opener.focus();
}

// --- wiring ------------------------------------------------------------------------------------
function start() {
  const form = $("ask-form"), q = $("question");
  form.addEventListener("submit", (ev) => { ev.preventDefault(); ask(q.value); });
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); ask(q.value); }
  });
  for (const b of document.querySelectorAll(".example")) {
    b.addEventListener("click", () => { q.value = b.textContent; ask(b.textContent); });
  }
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
    state.token = $("token").value.trim();
    sessionStorage.setItem("qa-token", state.token);
    $("token-row").hidden = true;
    loadSources();
    q.focus();
  });

  const params = new URLSearchParams(location.search);
  if (params.get("after")) $("after").value = params.get("after");
  if (params.get("before")) $("before").value = params.get("before");
  if (params.get("after") || params.get("before") || params.get("source")) $("filters").open = true;
  loadSources().then(() => {
    const shared = params.get("q");
    if (shared) { q.value = shared; ask(shared); }
  });
  q.focus();
}

document.addEventListener("DOMContentLoaded", start);
