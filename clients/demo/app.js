// The Parley demo page: a small chat client on @parley/client (./sdk), served by
// parleyd at `/`. Plain ES modules, no build step, no framework; user text is only
// ever set as textContent.
import { ParleyClient } from "./sdk/index.js";

const $ = (id) => document.getElementById(id);
const PAGE = 30;
const TOKEN_KEY = "parley-demo-token";

let client;
let me;
/** conv id -> conversation object (from conv.list / create). */
const conversations = new Map();
/** The conversation shown, and what is shown of it. */
let current;

// -- sign in ---------------------------------------------------------------------

function takeTokenFromUrl() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  // Keep the token out of the address bar, the history and screenshots.
  history.replaceState(null, "", location.pathname + location.search);
}

function showSignIn(message = "") {
  $("sign-in").hidden = false;
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("me").textContent = "";
  $("sign-in-error").textContent = message;
  setState("signed out");
}

$("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  start();
});

$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  client?.close();
  client = undefined;
  showSignIn();
});

function setState(state) {
  const el = $("state");
  el.textContent = state;
  el.className = "state " + state;
}

// -- the client --------------------------------------------------------------------

async function start() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showSignIn();
  client?.close();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  client = new ParleyClient({
    url: `${scheme}://${location.host}/v1`,
    device: "demo page",
    token: ({ reason }) => {
      const t = sessionStorage.getItem(TOKEN_KEY);
      // This page cannot mint tokens: a refused one means signing in again.
      if (!t || reason === "refused") throw new Error("the server refused the token");
      return t;
    },
  });
  client.on("state", ({ state }) => setState(state));
  client.on("error", ({ error }) => {
    if (client?.state === "closed" || /refused the token/.test(error.message)) {
      sessionStorage.removeItem(TOKEN_KEY);
      client?.close();
      showSignIn("The server refused the token (expired?). Sign in again.");
    } else {
      console.warn("parley:", error);
    }
  });
  client.on("message", onMessage);
  client.on("typing", onTyping);
  client.on("read", onRead);
  client.on("notify", (n) => {
    if (!conversations.has(n.conv)) void loadConversations();
    else updatePreview(n.conv, n.preview, n.seq);
  });
  client.on("unread", ({ conv }) => renderBadge(conv));
  client.on("outbox", ({ item }) => renderOutboxItem(item));
  client.on("connected", (hello) => {
    me = hello.user;
    // The SDK resyncs the open conversation; the list may have moved meanwhile.
    void loadConversations();
  });
  try {
    const hello = await client.connect();
    me = hello.user;
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    return showSignIn(`Sign-in failed: ${e.message}`);
  }
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("sign-out").hidden = false;
  $("me").textContent = me ? `${me.name} (${me.id})` : "service token";
}

// -- conversation list -----------------------------------------------------------

function title(conv) {
  if (conv.subject) return conv.subject;
  const others = conv.participants.filter((p) => p !== me?.id);
  return others.length ? others.join(", ") : "just you";
}

async function loadConversations() {
  const items = [];
  let cursor;
  do {
    const page = await client.listConversations({ limit: 100, cursor });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && items.length < 500);
  const list = $("conversations");
  list.replaceChildren();
  for (const conv of items) {
    conversations.set(conv.id, conv);
    const li = document.createElement("li");
    li.dataset.conv = conv.id;
    li.dataset.testid = "conversation";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = title(conv);
    const preview = document.createElement("span");
    preview.className = "preview";
    name.append(preview);
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.testid = "unread";
    li.append(name, badge);
    li.addEventListener("click", () => void openConversation(conv.id));
    if (current?.conv === conv.id) li.classList.add("selected");
    list.append(li);
    renderBadge(conv.id);
  }
}

function listItem(conv) {
  return document.querySelector(`#conversations li[data-conv="${CSS.escape(conv)}"]`);
}

function renderBadge(conv) {
  const badge = listItem(conv)?.querySelector(".badge");
  if (!badge) return;
  const n = client.unread(conv) ?? 0;
  badge.textContent = n === 0 ? "" : n >= 1000 ? "999+" : String(n);
}

function updatePreview(conv, text) {
  const li = listItem(conv);
  if (!li) return;
  li.querySelector(".preview").textContent = text;
  li.parentElement.prepend(li); // newest activity first
}

$("new-conv").addEventListener("submit", async (e) => {
  e.preventDefault();
  const participants = $("new-conv-users")
    .value.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const subject = $("new-conv-subject").value.trim() || undefined;
  try {
    const conv = await client.createConversation({ kind: "private", participants, subject });
    $("new-conv-users").value = "";
    $("new-conv-subject").value = "";
    await loadConversations();
    await openConversation(conv.id);
  } catch (err) {
    alert(`Could not create the conversation: ${err.message}`);
  }
});

// -- one conversation ------------------------------------------------------------

async function openConversation(id) {
  if (current?.conv === id) return;
  if (current) void client.closeConversation(current.conv).catch(() => undefined);
  const conv = conversations.get(id);
  current = {
    conv: id,
    first: undefined, // the oldest seq shown
    last: 0, // the newest seq shown
    nodes: new Map(), // seq -> element
    pending: new Map(), // cid -> element of an unsent message
    typists: new Map(), // user -> timer
    seen: new Map(), // user -> seq read
    replyTo: undefined,
  };
  for (const li of document.querySelectorAll("#conversations li"))
    li.classList.toggle("selected", li.dataset.conv === id);
  $("empty").hidden = true;
  $("conversation").hidden = false;
  $("conv-title").textContent = conv ? title(conv) : id;
  $("conv-people").textContent = conv ? conv.participants.join(", ") : "";
  $("message-list").replaceChildren();
  $("typing").textContent = "";
  setReplyTo(undefined);
  // The newest page first, then the subscription from its last seq: whatever was
  // committed in between comes as `message` events, each once.
  const page = await client.history(id, { limit: PAGE });
  if (current?.conv !== id) return;
  for (const m of page.messages) renderMessage(m);
  $("older").hidden = !page.more;
  const since = page.messages.length ? page.messages.at(-1).seq : conv?.last_seq ?? 0;
  await client.open(id, { since });
  for (const item of client.pendingSends(id)) renderOutboxItem(item);
  scrollToEnd();
  markRead();
  $("text").focus();
}

$("older").addEventListener("click", async () => {
  if (!current?.first) return;
  const id = current.conv;
  const box = $("messages");
  const before = box.scrollHeight - box.scrollTop;
  const page = await client.history(id, { before: current.first, limit: PAGE });
  if (current?.conv !== id) return;
  for (const m of page.messages.slice().reverse()) renderMessage(m, true);
  $("older").hidden = !page.more;
  box.scrollTop = box.scrollHeight - before; // keep the view where it was
});

function onMessage(m) {
  if (m.conv !== current?.conv) {
    updatePreview(m.conv, m.body);
    return;
  }
  const atEnd = isAtEnd();
  renderMessage(m);
  updatePreview(m.conv, m.body);
  if (atEnd || m.author === me?.id) scrollToEnd();
  markRead();
}

function time(ts) {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderMessage(m, prepend = false) {
  if (current.nodes.has(m.seq)) return;
  const li = document.createElement("li");
  li.className = "msg" + (m.author === me?.id ? " mine" : "");
  li.dataset.seq = String(m.seq);
  li.dataset.testid = "message";
  const meta = document.createElement("div");
  meta.className = "meta";
  const who = document.createElement("span");
  who.className = "author";
  who.textContent = m.author;
  const when = document.createElement("span");
  when.textContent = time(m.ts);
  const reply = document.createElement("button");
  reply.type = "button";
  reply.textContent = "Reply";
  reply.dataset.testid = "reply";
  reply.addEventListener("click", () => setReplyTo(m));
  meta.append(who, when, reply);
  li.append(meta);
  if (m.reply_to) {
    const q = document.createElement("div");
    q.className = "quote";
    q.textContent = `${m.reply_to.author}: ${m.reply_to.preview}`;
    li.append(q);
  }
  if (m.system) {
    const b = document.createElement("div");
    b.className = "body";
    b.textContent = `(${m.system.event} by ${m.system.by})`;
    li.append(b);
  } else if (m.body) {
    const b = document.createElement("div");
    b.className = "body";
    b.textContent = m.body;
    li.append(b);
  }
  for (const a of m.attachments ?? []) li.append(renderAttachment(a));
  // A message of ours that was waiting in the outbox is now committed.
  const pending = current.pending.get(m.cid);
  if (pending && m.author === me?.id) {
    pending.remove();
    current.pending.delete(m.cid);
  }
  current.nodes.set(m.seq, li);
  const list = $("message-list");
  if (prepend) {
    list.prepend(li);
  } else {
    // In seq order, ahead of the unsent ones.
    const next = [...current.nodes.keys()].filter((s) => s > m.seq).sort((a, b) => a - b)[0];
    const before = next !== undefined ? current.nodes.get(next) : list.querySelector(".pending");
    list.insertBefore(li, before ?? null);
  }
  current.first = current.first === undefined ? m.seq : Math.min(current.first, m.seq);
  current.last = Math.max(current.last, m.seq);
  renderSeen();
}

function renderAttachment(a) {
  const wrap = document.createElement("div");
  if (a.type?.startsWith("image/")) {
    const img = document.createElement("img");
    img.alt = a.name;
    img.dataset.testid = "image";
    wrap.append(img);
    showImage(img, a);
  }
  const link = document.createElement("a");
  link.className = "file";
  link.href = "#";
  link.dataset.testid = "download";
  link.textContent = `⬇ ${a.name}${a.size !== undefined ? ` (${formatSize(a.size)})` : ""}`;
  link.addEventListener("click", async (e) => {
    e.preventDefault();
    const f = await client.download(a.blob);
    const url = URL.createObjectURL(new Blob([f.bytes], { type: f.type }));
    const save = document.createElement("a");
    save.href = url;
    save.download = f.name;
    save.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  wrap.append(link);
  return wrap;
}

/** Object URLs of downloaded pictures, by blob: each is fetched once per page. */
const imageUrls = new Map();

function showImage(img, a) {
  let url = imageUrls.get(a.blob);
  if (!url) {
    url = client.download(a.blob).then((f) => URL.createObjectURL(new Blob([f.bytes], { type: f.type })));
    imageUrls.set(a.blob, url);
    url.catch(() => imageUrls.delete(a.blob));
  }
  url.then(
    (u) => (img.src = u),
    () => {
      img.alt = `${a.name} (unavailable)`;
      // Most likely the server is away: try again once the client is back.
      client.once("connected", () => showImage(img, a));
    },
  );
}

function formatSize(n) {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

/** An unsent message of ours, shown with its outbox state until it is committed. */
function renderOutboxItem(item) {
  if (item.conv !== current?.conv) return;
  let li = current.pending.get(item.cid);
  if (item.state === "sent") {
    // The `message` push replaces it (if it came first, the element is gone).
    if (li) li.querySelector(".outbox").textContent = "sent";
    return;
  }
  if (!li) {
    li = document.createElement("li");
    li.className = "msg mine pending";
    li.dataset.testid = "pending";
    const b = document.createElement("div");
    b.className = "body";
    b.textContent = item.options.body;
    const s = document.createElement("div");
    s.className = "outbox";
    li.append(b, s);
    current.pending.set(item.cid, li);
    $("message-list").append(li);
    scrollToEnd();
  }
  const s = li.querySelector(".outbox");
  s.textContent =
    item.state === "failed" ? `not sent: ${item.error?.code}` : item.state === "queued" ? "waiting for the connection…" : "sending…";
  s.classList.toggle("failed", item.state === "failed");
}

function setReplyTo(m) {
  if (current) current.replyTo = m?.seq;
  $("replying").hidden = !m;
  $("replying-text").textContent = m ? `${m.author}: ${(m.body || "").split("\n")[0].slice(0, 80)}` : "";
  if (m) $("text").focus();
}
$("replying-cancel").addEventListener("click", () => setReplyTo(undefined));

$("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current) return;
  const body = $("text").value;
  const file = $("file").files[0];
  if (!body.trim() && !file) return;
  const conv = current.conv;
  const replyTo = current.replyTo;
  $("text").value = "";
  setReplyTo(undefined);
  let attachments;
  if (file) {
    $("attachment-note").textContent = `uploading ${file.name}…`;
    try {
      attachments = [await client.upload(file, file.name)];
      $("attachment-note").textContent = "";
    } catch (err) {
      $("attachment-note").textContent = `${file.name}: ${err.code === "forbidden" ? "this type of file is not accepted" : err.message}`;
      return;
    } finally {
      $("file").value = "";
    }
  }
  client.send(conv, { body, replyTo, attachments });
});

$("file").addEventListener("change", () => {
  const f = $("file").files[0];
  $("attachment-note").textContent = f ? `attached: ${f.name} (sent with the next message)` : "";
});

$("text").addEventListener("input", () => {
  if (current && $("text").value) client.typing(current.conv);
  else if (current) client.stopTyping(current.conv);
});

// -- typing, read markers ----------------------------------------------------------

function onTyping(t) {
  if (t.conv !== current?.conv || t.user === me?.id) return;
  clearTimeout(current.typists.get(t.user));
  if (t.state === "start") {
    // The server ends a silent start after 6 s; so does the page, if a stop is lost.
    current.typists.set(t.user, setTimeout(() => onTyping({ ...t, state: "stop" }), 7000));
  } else {
    current.typists.delete(t.user);
  }
  const who = [...current.typists.keys()];
  $("typing").textContent =
    who.length === 0 ? "" : `${who.join(" and ")} ${who.length === 1 ? "is" : "are"} typing…`;
}

function onRead(r) {
  if (r.conv !== current?.conv || r.user === me?.id) return;
  current.seen.set(r.user, Math.max(r.seq, current.seen.get(r.user) ?? 0));
  const atEnd = isAtEnd();
  renderSeen();
  if (atEnd) scrollToEnd();
}

/** "Seen by …" under the newest message each other reader has read. */
function renderSeen() {
  for (const el of document.querySelectorAll("#message-list .seen")) el.remove();
  const bySeq = new Map();
  for (const [user, seq] of current.seen) {
    const shown = [...current.nodes.keys()].filter((s) => s <= seq).sort((a, b) => b - a)[0];
    if (shown === undefined) continue;
    bySeq.set(shown, [...(bySeq.get(shown) ?? []), user]);
  }
  for (const [seq, users] of bySeq) {
    const el = document.createElement("div");
    el.className = "seen";
    el.dataset.testid = "seen";
    el.textContent = `Seen by ${users.sort().join(", ")}`;
    current.nodes.get(seq).after(el);
  }
}

let readTimer;
/** Moves our read marker to the newest message shown, while the page is visible. */
function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!current || document.visibilityState === "hidden" || current.last === 0) return;
    if (client.state !== "connected") return;
    void client.read(current.conv, current.last).catch(() => undefined);
  }, 150);
}
document.addEventListener("visibilitychange", markRead);

function isAtEnd() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
}

function scrollToEnd() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

takeTokenFromUrl();
void start();
