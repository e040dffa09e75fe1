// Talking to the API: JSON requests, Server-Sent Events over fetch (EventSource cannot POST),
// the optional bearer token, and the one error shape {"error": {"code", "message"}}.

export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

let token = sessionStorage.getItem("qa-token") || "";

export function setToken(value) {
  token = value;
  sessionStorage.setItem("qa-token", value);
}

function headers() {
  const h = { "Content-Type": "application/json", "Accept": "application/json, text/event-stream" };
  if (token) h.Authorization = "Bearer " + token;
  return h;
}

async function failure(resp) {
  let code = "http_" + resp.status, message = resp.statusText || "the request failed";
  try {
    const body = await resp.json();
    if (body && body.error) { code = body.error.code; message = body.error.message; }
  } catch (_) { /* not JSON: keep the status line */ }
  return new ApiError(resp.status, code, message);
}

export async function getJSON(url) {
  const resp = await fetch(url, { headers: headers() });
  if (!resp.ok) throw await failure(resp);
  return resp.json();
}

// POSTs `body` and calls onEvent with each event's parsed data, in order.
export async function postStream(url, body, onEvent) {
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

// GET /api/contests for `filters` ({q, after, before, sources: [...], linked}) and one page.
export function contestsUrl(filters, limit, offset) {
  const p = new URLSearchParams();
  if (filters.q) p.set("q", filters.q);
  if (filters.after) p.set("after", filters.after);
  if (filters.before) p.set("before", filters.before);
  for (const s of filters.sources || []) p.append("source", s);
  if (filters.linked) p.set("linked", "true");
  p.set("limit", String(limit));
  if (offset) p.set("offset", String(offset));
  return "/api/contests?" + p.toString();
}
