package io.synod.bridges.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Consul agent, implementing the parts of Consul's documented HTTP API the bridge
 * uses (https://developer.hashicorp.com/consul/api-docs/kv and .../session), with Consul's rules:
 *
 * <ul>
 *   <li>KV: GET (one key or {@code ?recurse}; 404 when nothing matches; values base64; CreateIndex,
 *       ModifyIndex, LockIndex, Session), PUT (plain, {@code ?cas=N} with 0 meaning create-only,
 *       {@code ?acquire=<session>} failing while another session holds the key, {@code ?release=}),
 *       DELETE (plain, {@code ?cas=N}, {@code ?recurse}); PUT/DELETE answer {@code true}/{@code
 *       false};
 *   <li>sessions: create (TTL between 10s and 86400s, Behavior release|delete), renew (404 once
 *       gone), destroy, info; a session not renewed within its TTL is invalidated, which deletes
 *       (Behavior delete) or releases the keys it holds;
 *   <li>ACL: with a token set, requests without a matching {@code X-Consul-Token} get 403.
 * </ul>
 *
 * Every request is recorded for assertions. This is not Consul: the README says so.
 */
public final class FakeConsul implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TTL = Pattern.compile("(\\d+)s");

  /** One request as received. */
  public record Request(
      String method, String path, Map<String, String> query, String body, String token) {
    @Override
    public String toString() {
      return method
          + " "
          + path
          + (query.isEmpty() ? "" : " " + query)
          + (body == null || body.isEmpty() ? "" : " " + body);
    }
  }

  private static final class Kv {
    String key;
    byte[] value;
    long createIndex;
    long modifyIndex;
    long lockIndex;
    String session;
  }

  private static final class Session {
    String id;
    String name;
    long ttlSeconds;
    String behavior;
    long expiresAtNanos;
    JsonNode checks;
    String lockDelay;
  }

  private final HttpServer server;
  private final ScheduledExecutorService timer;
  private final TreeMap<String, Kv> kv = new TreeMap<>();
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private long index = 10;
  private volatile String requiredToken;
  private volatile boolean down;

  public FakeConsul() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", this::handle);
    server.setExecutor(
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "fake-consul");
              t.setDaemon(true);
              return t;
            }));
    server.start();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fake-consul-ttl");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::expireSessions, 100, 100, TimeUnit.MILLISECONDS);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public void requireToken(String token) {
    requiredToken = token;
  }

  /** While down, every request gets 503 (as an agent that lost its servers). */
  public void setDown(boolean d) {
    down = d;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public void clearRequests() {
    requests.clear();
  }

  /** Key (no leading slash) to value, as stored now. */
  public synchronized Map<String, String> values() {
    Map<String, String> out = new TreeMap<>();
    kv.forEach(
        (k, v) -> out.put(k, v.value == null ? null : new String(v.value, StandardCharsets.UTF_8)));
    return out;
  }

  /** Key to holding session id, for the keys some session holds. */
  public synchronized Map<String, String> holders() {
    Map<String, String> out = new TreeMap<>();
    kv.forEach(
        (k, v) -> {
          if (v.session != null) {
            out.put(k, v.session);
          }
        });
    return out;
  }

  public synchronized List<String> sessionIds() {
    return new ArrayList<>(sessions.keySet());
  }

  /** Invalidates a session now, as Consul does when its TTL passes. */
  public synchronized void invalidate(String id) {
    Session s = sessions.remove(id);
    if (s == null) {
      return;
    }
    List<String> held = new ArrayList<>();
    kv.forEach(
        (k, v) -> {
          if (id.equals(v.session)) {
            held.add(k);
          }
        });
    for (String k : held) {
      if ("delete".equals(s.behavior)) {
        kv.remove(k);
      } else {
        Kv e = kv.get(k);
        e.session = null;
        e.modifyIndex = ++index;
      }
    }
  }

  /** A tool writing a key directly (e.g. patronictl against this Consul). */
  public synchronized void put(String key, String value) {
    Kv e =
        kv.computeIfAbsent(
            key,
            k -> {
              Kv n = new Kv();
              n.key = k;
              n.createIndex = index + 1;
              return n;
            });
    e.value = value.getBytes(StandardCharsets.UTF_8);
    e.modifyIndex = ++index;
  }

  /**
   * Session create body fields as received, for assertions (Name, TTL, Behavior, LockDelay,
   * Checks).
   */
  public synchronized Map<String, String> session(String id) {
    Session s = sessions.get(id);
    if (s == null) {
      return null;
    }
    return Map.of(
        "Name",
        s.name,
        "TTL",
        s.ttlSeconds + "s",
        "Behavior",
        s.behavior,
        "LockDelay",
        String.valueOf(s.lockDelay),
        "Checks",
        String.valueOf(s.checks));
  }

  private synchronized void expireSessions() {
    long now = System.nanoTime();
    for (Session s : new ArrayList<>(sessions.values())) {
      if (now - s.expiresAtNanos > 0) {
        invalidate(s.id);
      }
    }
  }

  // --- HTTP --------------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String rawPath = ex.getRequestURI().getRawPath();
      String path = URLDecoder.decode(rawPath, StandardCharsets.UTF_8);
      Map<String, String> query = parseQuery(ex.getRequestURI().getRawQuery());
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String token = ex.getRequestHeaders().getFirst("X-Consul-Token");
      requests.add(new Request(method, path, query, body, token));
      if (down) {
        send(ex, 503, "No cluster leader");
        return;
      }
      if (requiredToken != null && !requiredToken.equals(token)) {
        send(ex, 403, "Permission denied");
        return;
      }
      Reply r;
      synchronized (this) {
        r = route(method, path, query, body);
      }
      send(ex, r.status, r.body);
    }
  }

  private record Reply(int status, String body) {}

  private Reply route(String method, String path, Map<String, String> q, String body)
      throws IOException {
    if (path.equals("/v1/status/leader") && method.equals("GET")) {
      return new Reply(200, "\"127.0.0.1:8300\"");
    }
    if (path.startsWith("/v1/kv/")) {
      String key = path.substring("/v1/kv/".length());
      return switch (method) {
        case "GET" -> kvGet(key, q);
        case "PUT" -> kvPut(key, q, body);
        case "DELETE" -> kvDelete(key, q);
        default -> new Reply(405, "method not allowed");
      };
    }
    if (path.equals("/v1/session/create") && method.equals("PUT")) {
      return sessionCreate(body);
    }
    if (path.startsWith("/v1/session/renew/") && method.equals("PUT")) {
      Session s = sessions.get(path.substring("/v1/session/renew/".length()));
      if (s == null) {
        return new Reply(
            404, "Session id '" + path.substring("/v1/session/renew/".length()) + "' not found");
      }
      s.expiresAtNanos = System.nanoTime() + s.ttlSeconds * 1_000_000_000L;
      return new Reply(200, JSON.writeValueAsString(List.of(sessionJson(s))));
    }
    if (path.startsWith("/v1/session/destroy/") && method.equals("PUT")) {
      invalidate(path.substring("/v1/session/destroy/".length()));
      return new Reply(200, "true");
    }
    if (path.startsWith("/v1/session/info/") && method.equals("GET")) {
      Session s = sessions.get(path.substring("/v1/session/info/".length()));
      return new Reply(200, s == null ? "null" : JSON.writeValueAsString(List.of(sessionJson(s))));
    }
    return new Reply(404, "no handler for " + method + " " + path);
  }

  private Reply kvGet(String key, Map<String, String> q) throws IOException {
    ArrayNode out = JSON.createArrayNode();
    if (q.containsKey("recurse")) {
      kv.tailMap(key, true)
          .forEach(
              (k, v) -> {
                if (k.startsWith(key)) {
                  out.add(kvJson(v));
                }
              });
    } else if (kv.containsKey(key)) {
      out.add(kvJson(kv.get(key)));
    }
    return out.isEmpty() ? new Reply(404, "") : new Reply(200, JSON.writeValueAsString(out));
  }

  private ObjectNode kvJson(Kv v) {
    ObjectNode n = JSON.createObjectNode();
    n.put("LockIndex", v.lockIndex);
    n.put("Key", v.key);
    n.put("Flags", 0);
    if (v.value == null) {
      n.putNull("Value");
    } else {
      n.put("Value", Base64.getEncoder().encodeToString(v.value));
    }
    if (v.session != null) {
      n.put("Session", v.session);
    }
    n.put("CreateIndex", v.createIndex);
    n.put("ModifyIndex", v.modifyIndex);
    return n;
  }

  private Reply kvPut(String key, Map<String, String> q, String body) {
    Kv cur = kv.get(key);
    byte[] value = body.getBytes(StandardCharsets.UTF_8);
    if (q.containsKey("cas")) {
      long cas = Long.parseLong(q.get("cas"));
      if (cas == 0 ? cur != null : cur == null || cur.modifyIndex != cas) {
        return new Reply(200, "false");
      }
    }
    String acquire = q.get("acquire");
    String release = q.get("release");
    if (acquire != null) {
      if (!sessions.containsKey(acquire)) {
        return new Reply(500, "invalid session \"" + acquire + "\"");
      }
      if (cur != null && cur.session != null && !cur.session.equals(acquire)) {
        return new Reply(200, "false");
      }
    }
    if (release != null && (cur == null || !release.equals(cur.session))) {
      return new Reply(200, "false");
    }
    if (cur == null) {
      cur = new Kv();
      cur.key = key;
      cur.createIndex = index + 1;
      kv.put(key, cur);
    }
    cur.value = value;
    cur.modifyIndex = ++index;
    if (acquire != null && !acquire.equals(cur.session)) {
      cur.session = acquire;
      cur.lockIndex++;
    }
    if (release != null) {
      cur.session = null;
    }
    return new Reply(200, "true");
  }

  private Reply kvDelete(String key, Map<String, String> q) {
    if (q.containsKey("recurse")) {
      kv.keySet().removeIf(k -> k.startsWith(key));
      return new Reply(200, "true");
    }
    Kv cur = kv.get(key);
    if (q.containsKey("cas")) {
      long cas = Long.parseLong(q.get("cas"));
      if (cur == null || cur.modifyIndex != cas) {
        return new Reply(200, "false");
      }
    }
    kv.remove(key);
    return new Reply(200, "true");
  }

  private Reply sessionCreate(String body) throws IOException {
    JsonNode b = body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    Session s = new Session();
    s.id = UUID.randomUUID().toString();
    s.name = b.path("Name").asText("");
    s.behavior = b.path("Behavior").asText("release");
    s.lockDelay = b.hasNonNull("LockDelay") ? b.get("LockDelay").asText() : null;
    s.checks = b.get("Checks");
    String ttl = b.path("TTL").asText("");
    if (ttl.isEmpty()) {
      s.ttlSeconds = 0;
    } else {
      Matcher m = TTL.matcher(ttl);
      if (!m.matches() || Long.parseLong(m.group(1)) < 10 || Long.parseLong(m.group(1)) > 86400) {
        return new Reply(400, "Invalid Session TTL '" + ttl + "', must be between [10s=24h0m0s]");
      }
      s.ttlSeconds = Long.parseLong(m.group(1));
    }
    if (!s.behavior.equals("release") && !s.behavior.equals("delete")) {
      return new Reply(400, "Invalid Behavior setting '" + s.behavior + "'");
    }
    s.expiresAtNanos =
        s.ttlSeconds == 0 ? Long.MAX_VALUE : System.nanoTime() + s.ttlSeconds * 1_000_000_000L;
    sessions.put(s.id, s);
    return new Reply(200, "{\"ID\":\"" + s.id + "\"}");
  }

  private ObjectNode sessionJson(Session s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ID", s.id);
    n.put("Name", s.name);
    n.put("TTL", s.ttlSeconds + "s");
    n.put("Behavior", s.behavior);
    return n;
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      q.put(k, v);
    }
    return q;
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders()
        .set(
            "Content-Type",
            body != null && (body.startsWith("[") || body.startsWith("{"))
                ? "application/json"
                : "text/plain");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    server.stop(0);
  }
}
