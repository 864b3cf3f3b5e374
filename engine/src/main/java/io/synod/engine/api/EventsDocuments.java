package io.synod.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.ha.HaEvents;
import io.synod.engine.ha.NodeStatus;
import io.synod.store.StoreStatus;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * GET /events: this node's ring of HA events ({@link HaEvents}) with a short summary of the node
 * (role, lease, store and Raft view); with {@code ?cluster=1}, the same gathered from every member
 * over its REST API (in parallel, short timeouts) and merged newest first, so the web page reads
 * one same-origin URL and needs no CORS. A member that does not answer is listed as unreachable
 * with the error; its last known Raft address is remembered so the page can still say whether the
 * Raft leader sees its peer.
 */
final class EventsDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration GATHER_TIMEOUT = Duration.ofMillis(800);
  static final int DEFAULT_LIMIT = 100;

  private final RestApi.Services svc;

  /** member name → its Raft address, from its last answer. */
  private final Map<String, String> raftAddress = new ConcurrentHashMap<>();

  /**
   * member name → its events from its last answer: a member that died (the old primary) keeps its
   * part of the story on the page.
   */
  private final Map<String, List<Map<String, Object>>> lastEvents = new ConcurrentHashMap<>();

  EventsDocuments(RestApi.Services svc) {
    this.svc = svc;
  }

  /** GET /events (this node only). */
  Map<String, Object> local(int limit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scope", svc.scope());
    m.put("name", svc.name());
    m.put("now_ms", Instant.now().toEpochMilli());
    m.put("node", summary());
    List<Map<String, Object>> ev = new ArrayList<>();
    if (svc.events() != null) {
      svc.events().recent(limit).forEach(e -> ev.add(e.toMap()));
    }
    m.put("events", ev);
    return m;
  }

  /** What the page shows of a node besides its member key: lease, store, Raft. */
  private Map<String, Object> summary() {
    Map<String, Object> n = new LinkedHashMap<>();
    NodeStatus s = svc.status().get();
    if (s != null) {
      n.put("role", s.role());
      n.put("state", s.state());
      n.put("lease_held", s.isLeader());
      n.put("lease_remaining_ms", s.isLeader() ? s.leaseRemainingMs() : 0);
      n.put("decision", s.decision() == null ? null : s.decision().reason());
      n.put("store_ok", s.storeError() == null);
      if (s.storeError() != null) {
        n.put("store_error", s.storeError());
      }
      if (s.dcsLastSeen() != null) {
        n.put("dcs_last_seen_ms", s.dcsLastSeen().toEpochMilli());
      }
      if (s.lastLoop() != null) {
        n.put("last_loop_ms", s.lastLoop().toEpochMilli());
      }
      if (s.dynamic() != null) {
        n.put("ttl_s", s.dynamic().ttlSeconds());
        n.put("loop_wait_s", s.dynamic().loopWaitSeconds());
      }
    }
    if (svc.raft() != null) {
      try {
        StoreStatus st = svc.raft().status();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("self", st.self());
        r.put("state", st.state());
        r.put("is_leader", st.isLeader());
        r.put("leader", st.leader());
        r.put("term", st.term());
        r.put("peers", st.peers());
        if (st.isLeader()) {
          r.put("alive_peers", st.alivePeers());
        }
        n.put("raft", r);
      } catch (RuntimeException e) {
        n.put("raft", Map.of("state", "down", "error", String.valueOf(e.getMessage())));
      }
    }
    if (svc.events() != null) {
      n.put("promotions", svc.events().promotions());
    }
    return n;
  }

  /** GET /events?cluster=1: every member's ring and summary, merged. */
  Map<String, Object> cluster(Cluster c, int limit) {
    Map<String, CompletableFuture<Map<String, Object>>> pending = new LinkedHashMap<>();
    for (Member m : c.members().values()) {
      if (m.name().equals(svc.name())) {
        pending.put(m.name(), CompletableFuture.completedFuture(local(limit)));
      } else if (m.apiUrl() == null || svc.peers() == null) {
        pending.put(
            m.name(), CompletableFuture.failedFuture(new IllegalStateException("no api_url")));
      } else {
        pending.put(
            m.name(),
            svc.peers()
                .get(eventsUrl(m.apiUrl(), limit), GATHER_TIMEOUT)
                .thenApply(EventsDocuments::parse)
                .orTimeout(GATHER_TIMEOUT.toMillis() + 200, TimeUnit.MILLISECONDS));
      }
    }
    if (!pending.containsKey(svc.name())) {
      pending.put(svc.name(), CompletableFuture.completedFuture(local(limit)));
    }
    Map<String, Object> members = new LinkedHashMap<>();
    List<Map<String, Object>> events = new ArrayList<>();
    pending.forEach(
        (name, f) -> {
          Map<String, Object> one = new LinkedHashMap<>();
          try {
            Map<String, Object> doc = f.join();
            one.put("reachable", true);
            Object node = doc.get("node");
            if (node instanceof Map<?, ?> nm) {
              nm.forEach((k, v) -> one.put(String.valueOf(k), v));
              if (nm.get("raft") instanceof Map<?, ?> r && r.get("self") != null) {
                raftAddress.put(name, String.valueOf(r.get("self")));
              }
            }
            List<Map<String, Object>> mine = new ArrayList<>();
            if (doc.get("events") instanceof List<?> l) {
              for (Object e : l) {
                if (e instanceof Map<?, ?> em) {
                  Map<String, Object> copy = new LinkedHashMap<>();
                  em.forEach((k, v) -> copy.put(String.valueOf(k), v));
                  mine.add(copy);
                }
              }
            }
            lastEvents.put(name, List.copyOf(mine));
            events.addAll(mine);
          } catch (RuntimeException e) {
            Throwable t = e.getCause() == null ? e : e.getCause();
            one.put("reachable", false);
            one.put(
                "error",
                t instanceof java.util.concurrent.TimeoutException
                        || t instanceof java.net.http.HttpTimeoutException
                    ? "no answer within " + GATHER_TIMEOUT.toMillis() + " ms"
                    : t instanceof java.net.ConnectException
                        ? "connection refused"
                        : String.valueOf(t.getMessage() == null ? t : t.getMessage()));
          }
          if (!Boolean.TRUE.equals(one.get("reachable")) && lastEvents.containsKey(name)) {
            events.addAll(fromCache(lastEvents.get(name)));
          }
          if (raftAddress.containsKey(name)) {
            one.put("raft_address", raftAddress.get(name));
          }
          members.put(name, one);
        });
    // A dead member's key expires after ttl; its story (the old primary's) stays on the page
    // anyway.
    lastEvents.forEach(
        (name, cached) -> {
          if (!pending.containsKey(name)) {
            events.addAll(fromCache(cached));
          }
        });
    events.sort(
        Comparator.comparingLong((Map<String, Object> e) -> num(e.get("at_ms"))).reversed());
    List<Map<String, Object>> failovers = new ArrayList<>();
    for (Map<String, Object> e : events) {
      if ("promotion".equals(e.get("kind")) && failovers.size() < 20) {
        failovers.add(e);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("scope", svc.scope());
    out.put("served_by", svc.name());
    out.put("now_ms", Instant.now().toEpochMilli());
    out.put("members", members);
    out.put("events", events.size() > limit ? events.subList(0, limit) : events);
    out.put("failovers", failovers);
    return out;
  }

  /** Events as last received from a member that does not answer, marked so the page can tell. */
  private static List<Map<String, Object>> fromCache(List<Map<String, Object>> cached) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> e : cached) {
      Map<String, Object> copy = new LinkedHashMap<>(e);
      copy.put("from_cache", true);
      out.add(copy);
    }
    return out;
  }

  /** api_url is Patroni's http://host:port/patroni: /events is at the root of that server. */
  static String eventsUrl(String apiUrl, int limit) {
    try {
      return java.net.URI.create(apiUrl).resolve("/events?limit=" + limit).toString();
    } catch (IllegalArgumentException e) {
      return apiUrl;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String body) {
    try {
      return JSON.readValue(body, Map.class);
    } catch (Exception e) {
      throw new IllegalStateException("unreadable /events answer: " + e.getMessage());
    }
  }

  private static long num(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }

  /** ?limit=N, 1..{@link HaEvents} capacity; default {@link #DEFAULT_LIMIT}. */
  static int limit(Request r) {
    String v = r.param("limit");
    if (v == null) {
      return DEFAULT_LIMIT;
    }
    try {
      return Math.max(1, Math.min(200, Integer.parseInt(v.trim())));
    } catch (NumberFormatException e) {
      return DEFAULT_LIMIT;
    }
  }
}
