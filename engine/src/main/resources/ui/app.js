// Synod's read-only cluster page. Polls this node's JSON endpoints (same origin) every second and
// redraws in place; never reloads. No framework, no build step. See docs/ui.md.
"use strict";

const POLL_MS = 1000;
const FETCH_TIMEOUT_MS = 3000;
const state = {
  cluster: null, patroni: null, raft: null, events: null, history: null,
  leaseMs: null, leaseAt: 0, lastOk: 0, serverDown: false, seen: new Map(),
};

function $(id) { return document.getElementById(id); }

// Whether what an element shows must be redrawn (keeps the event list's scroll position).
function changed(elm, data) {
  const k = JSON.stringify(data === undefined ? null : data);
  if (elm.synodKey === k) return false;
  elm.synodKey = k;
  return true;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function getJson(path) {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const r = await fetch(path, { cache: "no-store", signal: ctl.signal });
    const text = await r.text();
    if (!r.ok) throw new Error(path + ": HTTP " + r.status + (text ? " " + text.slice(0, 200) : ""));
    return JSON.parse(text);
  } finally {
    clearTimeout(t);
  }
}

function bytes(n) {
  if (n === "unknown" || n === undefined || n === null) return "unknown";
  const v = Number(n);
  if (!isFinite(v)) return String(n);
  if (v < 1024) return v + " B";
  const u = ["KiB", "MiB", "GiB", "TiB"];
  let x = v / 1024, i = 0;
  while (x >= 1024 && i < u.length - 1) { x /= 1024; i++; }
  return x.toFixed(x < 10 ? 1 : 0) + " " + u[i];
}

function clock(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false });
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

// Patroni's /cluster roles, as an operator says them.
function roleName(m) {
  switch (m.role) {
    case "leader": case "master": case "primary": return "primary";
    case "standby_leader": return "standby leader";
    case "sync_standby": return "sync standby";
    case "quorum_standby": return "quorum standby";
    default: return m.role || "replica";
  }
}

function raftRole(r) {
  if (!r) return null;
  const s = String(r.state || "");
  if (r.is_leader || s === "STATE_LEADER") return "leader";
  if (s === "STATE_FOLLOWER") return "follower";
  if (s === "STATE_CANDIDATE") return "candidate";
  return s.replace(/^STATE_/, "").toLowerCase() || null;
}

// A Raft address as the member name whose peer it is, when known.
function raftName(addr, ev) {
  for (const [name, info] of Object.entries((ev && ev.members) || {})) {
    if ((info.raft && info.raft.self) === addr || info.raft_address === addr) return name + " (" + addr + ")";
  }
  return addr;
}

// The Raft leader's alive peers, from whichever member leads the group.
function raftAlive(members) {
  for (const info of Object.values(members || {})) {
    if (info.reachable && info.raft && info.raft.is_leader && Array.isArray(info.raft.alive_peers)) {
      return { leader: info.raft.self, alive: new Set(info.raft.alive_peers) };
    }
  }
  return null;
}

async function poll() {
  const [cluster, patroni, raft, events, history] = await Promise.allSettled([
    getJson("/cluster"), getJson("/patroni"), getJson("/raft"),
    getJson("/events?cluster=1&limit=100"), getJson("/history"),
  ]);
  const val = (p) => (p.status === "fulfilled" ? p.value : null);
  const anyOk = [cluster, patroni, raft, events, history].some((p) => p.status === "fulfilled");
  state.serverDown = !anyOk;
  state.errors = [cluster, patroni, raft, events, history]
    .filter((p) => p.status === "rejected").map((p) => String(p.reason && p.reason.message || p.reason));
  if (anyOk) state.lastOk = Date.now();
  if (val(cluster)) state.cluster = val(cluster);
  if (val(patroni)) state.patroni = val(patroni);
  state.raft = val(raft);
  if (val(events)) {
    state.events = val(events);
    const holder = leaderName(state.cluster);
    const info = holder && state.events.members ? state.events.members[holder] : null;
    state.leaseMs = info && info.reachable && info.lease_held ? info.lease_remaining_ms : null;
    state.leaseAt = Date.now();
  }
  if (val(history)) state.history = val(history);
  render();
}

function leaderName(c) {
  if (!c || !c.members) return null;
  const m = c.members.find((x) => x.role === "leader" || x.role === "standby_leader");
  return m ? m.name : null;
}

// Why the data on screen may not be live: the serving node lost the store, its Raft peers, or
// stopped answering.
function staleness() {
  const why = [];
  if (state.serverDown) {
    why.push("This node does not answer" + (state.lastOk ? " since " + clock(state.lastOk) : "") +
      ": everything below is the last data received, not live.");
    return why;
  }
  const p = state.patroni;
  const syn = p && p.synod;
  if (syn && syn.store_error) {
    why.push("This node has lost the store (" + syn.store_error + "): the cluster view below is its last one" +
      (p.dcs_last_seen ? ", from " + ago(p.dcs_last_seen * 1000) : "") + ".");
  }
  if (!state.raft) {
    why.push("This node's Raft peer does not answer.");
  } else if (!state.raft.leader) {
    why.push("This node's Raft peer sees no Raft leader (lost its peers?): the store cannot be read or written.");
  }
  const ev = state.events;
  if (ev && ev.members) {
    const names = Object.keys(ev.members);
    const down = names.filter((n) => !ev.members[n].reachable);
    if (names.length > 1 && down.length === names.length - 1) {
      why.push("This node reaches none of the other members' REST APIs.");
    }
  }
  return why;
}

function render() {
  const c = state.cluster, p = state.patroni, ev = state.events;
  const why = staleness();
  const banner = $("banner");
  banner.hidden = why.length === 0;
  banner.textContent = why.join(" ");
  document.body.classList.toggle("stale", why.length > 0);
  document.body.dataset.state = why.length ? "stale" : "live";

  $("scope").textContent = c ? c.scope : "";
  const me = p && p.patroni ? p.patroni.name : ev ? ev.served_by : "?";
  $("served").textContent = "served by " + me + (p ? " (" + p.role + ", " + p.state + ")" : "");
  $("updated").textContent = state.lastOk ? "Last answer " + clock(state.lastOk) + "." : "";

  const holder = leaderName(c);
  document.body.dataset.primary = holder || "";
  $("holder").textContent = holder || "none (leader race)";
  $("holder").className = "v " + (holder ? "ok" : "bad");
  const tl = c && c.members ? Math.max(0, ...c.members.map((m) => Number(m.timeline) || 0)) : 0;
  $("timeline").textContent = tl || "–";
  $("pause").textContent = c && c.pause ? "paused (no automatic failover)" : "off";
  $("pause").className = "v " + (c && c.pause ? "warn" : "");
  const sw = c && c.scheduled_switchover;
  $("switchover").textContent = sw
    ? (sw.from || "?") + " → " + (sw.to || "any") + " at " + new Date(sw.at).toLocaleString()
    : "none pending";
  const r = state.raft;
  $("raft").textContent = r
    ? "term " + r.term + ", leader " + (r.leader ? raftName(r.leader, ev) : "none")
    : "no answer";
  $("raft").className = "v " + (r && r.leader ? "" : "bad");
  tick();
  renderMembers(c, ev);
  renderChart(ev);
  renderHistory(state.history);
  renderEvents(ev);
}

// The lease left, counted down between polls.
function tick() {
  const e = $("lease");
  if (state.leaseMs === null || state.leaseMs === undefined) {
    e.textContent = leaderName(state.cluster) ? "unknown (holder unreachable)" : "free";
    return;
  }
  const left = Math.max(0, state.leaseMs - (Date.now() - state.leaseAt));
  e.textContent = (left / 1000).toFixed(1) + " s";
}

function renderMembers(c, ev) {
  const box = $("members");
  const infos = (ev && ev.members) || {};
  const alive = raftAlive(infos);
  const cards = [];
  const now = (c && c.members) || [];
  // Members seen earlier on this page whose key has since expired (ttl after they died).
  const names = new Set(now.map((m) => m.name));
  for (const m of now) state.seen.set(m.name, m);
  const gone = [...state.seen.keys()].filter((n) => !names.has(n)).map((n) =>
    Object.assign({}, state.seen.get(n), { role: "gone", state: "no member key (expired or removed)", lag: undefined }));
  for (const m of now.concat(gone)) {
    const info = infos[m.name] || {};
    const role = roleName(m);
    const reachable = info.reachable !== false && m.role !== "gone";
    const raftAddr = (info.raft && info.raft.self) || info.raft_address;
    let raftReach = "unknown";
    if (alive && raftAddr) raftReach = alive.alive.has(raftAddr) ? "reachable" : "unreachable";
    const rr = reachable ? raftRole(info.raft) : null;
    const lag = m.role === "leader" ? null : m.lag;
    const tags = Object.entries(m.tags || {}).map(([k, v]) => el("span", { class: "chip" }, v === true ? k : k + "=" + v));
    const badgeClass = role === "primary" ? "badge primary" : role.includes("standby") ? "badge sync" : role === "gone" ? "badge bad" : "badge";
    cards.push(el("article", {
      class: "member" + (reachable ? "" : " down"), "data-name": m.name, "data-role": role,
      "data-state": m.state, "data-reachable": String(reachable),
    },
      el("h3", {}, el("span", {}, m.name), el("span", { class: badgeClass }, role)),
      el("dl", {},
        el("dt", {}, "state"), el("dd", { class: m.state === "running" || m.state === "streaming" ? "" : "warn" }, m.state || "?"),
        el("dt", {}, "timeline"), el("dd", {}, m.timeline ?? "?"),
        lag !== null && lag !== undefined ? [el("dt", {}, "lag"), el("dd", {}, bytes(lag))] : null,
        m.host ? [el("dt", {}, "postgres"), el("dd", {}, m.host + ":" + (m.port || 5432))] : null,
        m.pending_restart ? [el("dt", {}, "restart"), el("dd", { class: "warn" }, "pending" + (m.pending_restart_reason ? " (" + Object.keys(m.pending_restart_reason).join(", ") + ")" : ""))] : null,
        el("dt", {}, "raft"), el("dd", { class: raftReach === "unreachable" ? "bad" : "" },
          (rr || "?") + (raftReach === "unknown" ? "" : ", peer " + raftReach) + (info.raft && info.raft.term ? ", term " + info.raft.term : "")),
        el("dt", {}, "REST"), el("dd", { class: reachable ? "ok" : "bad" }, reachable ? "answers" : "no answer" + (info.error ? ": " + info.error : "")),
        info.lease_held ? [el("dt", {}, "lease"), el("dd", { class: "ok" }, "held")] : null,
        reachable && info.store_ok === false ? [el("dt", {}, "store"), el("dd", { class: "bad" }, "lost: " + (info.store_error || ""))] : null,
        tags.length ? [el("dt", {}, "tags"), el("dd", {}, tags)] : null,
      ),
      info.decision && reachable ? el("p", { class: "muted small" }, info.decision) : null,
    ));
  }
  box.replaceChildren(...cards);
  document.body.dataset.members = String(now.length);
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderChart(ev) {
  const box = $("chart");
  const fo = ((ev && ev.failovers) || []).filter((e) => typeof e.unlocked_to_primary_ms === "number");
  if (!changed(box, fo)) return;
  if (!fo.length) {
    box.replaceChildren(el("p", { class: "muted" }, "No failover or switchover measured yet."));
    return;
  }
  const items = fo.slice(0, 12).reverse();
  const W = 480, H = 180, pad = 28, bw = Math.min(48, (W - pad * 2) / items.length - 8);
  const max = Math.max(1000, ...items.map((e) => e.unlocked_to_primary_ms));
  const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "failover times" });
  s.append(svg("line", { x1: pad, y1: H - pad, x2: W - 4, y2: H - pad, class: "axis" }));
  items.forEach((e, i) => {
    const h = Math.max(2, (e.unlocked_to_primary_ms / max) * (H - pad * 2));
    const x = pad + i * (bw + 8) + 4;
    const bar = svg("rect", { x, y: H - pad - h, width: bw, height: h, rx: 3, class: "bar" });
    bar.append(svg("title", {}, e.node + " at " + new Date(e.at_ms).toLocaleString() + ": " + e.unlocked_to_primary_ms + " ms"));
    s.append(bar);
    s.append(svg("text", { x: x + bw / 2, y: H - pad - h - 4, "text-anchor": "middle" }, (e.unlocked_to_primary_ms / 1000).toFixed(1) + "s"));
    s.append(svg("text", { x: x + bw / 2, y: H - pad + 14, "text-anchor": "middle" }, e.node));
  });
  box.replaceChildren(s);
}

function renderHistory(h) {
  const body = $("history").tBodies[0];
  if (!changed(body, h)) return;
  const rows = (Array.isArray(h) ? h.slice() : []).reverse().map((r) =>
    el("tr", {},
      el("td", {}, r[0]),
      el("td", {}, typeof r[1] === "number" ? lsn(r[1]) : r[1]),
      el("td", {}, r[2] || ""),
      el("td", {}, r[3] ? new Date(r[3]).toLocaleString() : ""),
      el("td", {}, r[4] || "")));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "no promotion yet (timeline 1)")));
  body.replaceChildren(...rows);
}

function lsn(n) {
  const hi = Math.floor(n / 4294967296), lo = n % 4294967296;
  return hi.toString(16).toUpperCase() + "/" + lo.toString(16).toUpperCase();
}

const KIND_CLASS = { promotion: "badge primary", demotion: "badge warn", switchover: "badge sync", store: "badge bad", "leader-race": "badge warn" };

function renderEvents(ev) {
  const list = $("events");
  if (!changed(list, ev && ev.events)) return;
  const items = ((ev && ev.events) || []).map((e) =>
    el("li", { "data-kind": e.kind, "data-node": e.node },
      el("span", { class: "when", title: e.at }, clock(e.at_ms)),
      el("span", { class: "node" }, e.node),
      el("span", { class: "kind" }, el("span", { class: KIND_CLASS[e.kind] || "badge" }, e.kind)),
      el("span", { class: "text" }, e.reason,
        e.outcome ? el("span", { class: "outcome" }, " → " + e.outcome) : null,
        typeof e.unlocked_to_primary_ms === "number" ? el("strong", {}, " (" + e.unlocked_to_primary_ms + " ms)") : null,
        e.count > 1 ? el("span", { class: "muted" }, " ×" + e.count) : null,
        e.from_cache ? el("span", { class: "muted small" }, " (as last received; " + e.node + " does not answer)") : null)));
  if (!items.length) items.push(el("li", { class: "muted" }, "no events yet"));
  list.replaceChildren(...items);
}

async function loop() {
  try {
    await poll();
  } catch (e) {
    console.error(e);
  }
  setTimeout(loop, POLL_MS);
}

setInterval(tick, 100);
loop();
