package io.synod.bridges;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.synod.store.cluster.Keys;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mirror into Consul's KV store over its documented HTTP API (java.net.http, no Consul library):
 * keys where Patroni's Consul DCS puts them ({@code service/<scope>/leader}: the namespace without
 * its leading slash). Persistent keys are written with {@code ?cas=<ModifyIndex>} (0: create only);
 * TTL'd keys are acquired ({@code ?acquire=<session>}) by this writer's session, created with
 * {@code Behavior: delete} and a TTL of half the cluster's ttl (Consul waits up to twice the TTL;
 * at least 10 s, as Consul requires), so they disappear when the writer dies.
 *
 * <p>Tested against a fake server implementing the documented endpoints, not against a live Consul.
 */
public final class ConsulTarget extends Target {
  public static final String TARGET = "consul";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConsulSettings settings;
  private final String prefix;
  private final long timeoutMs;
  private final long sessionTtlSeconds;
  private final String sessionName;
  private volatile HttpClient http;
  private volatile String session;

  public ConsulTarget(ConsulSettings settings, Keys keys, MirrorOptions opts) {
    super(TARGET);
    this.settings = settings;
    this.prefix = keys.base().replaceFirst("^/+", "");
    this.timeoutMs = opts.requestTimeoutMs();
    this.sessionTtlSeconds = sessionTtlSeconds(opts.ttlMs());
    this.sessionName =
        "synod-" + keys.base().replaceAll("^/+|/+$", "").replace('/', '-') + "-" + opts.nodeName();
  }

  /**
   * Patroni: Consul may wait up to twice a session's TTL, so ask for half the ttl; Consul's minimum
   * is 10 s.
   */
  static long sessionTtlSeconds(long ttlMs) {
    return Math.max(10, (ttlMs / 2 + 999) / 1000);
  }

  @Override
  public synchronized void open() {
    if (http != null) {
      return;
    }
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs));
    if (settings.baseUrl().startsWith("https:")) {
      b.sslContext(
          Tls.context(
              "consul", settings.cacert(), settings.cert(), settings.key(), settings.verify()));
    }
    http = b.build();
  }

  // --- HTTP --------------------------------------------------------------------------------

  private record Reply(int status, String body) {}

  private Reply call(String method, String path, String query, String body)
      throws IOException, InterruptedException {
    open();
    StringBuilder q = new StringBuilder(query == null ? "" : query);
    if (settings.dc() != null) {
      q.append(q.length() == 0 ? "" : "&").append("dc=").append(enc(settings.dc()));
    }
    URI uri = URI.create(settings.baseUrl() + path + (q.length() == 0 ? "" : "?" + q));
    HttpRequest.Builder r =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofMillis(timeoutMs))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (settings.token() != null) {
      r.header("X-Consul-Token", settings.token());
    }
    HttpResponse<String> resp =
        http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Reply(resp.statusCode(), resp.body());
  }

  private static IOException unexpected(String what, Reply r) {
    String body = r.body() == null ? "" : r.body().strip();
    return new IOException(
        "consul " + what + ": HTTP " + r.status() + (body.isEmpty() ? "" : " " + abbreviate(body)));
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 197) + "..." : s;
  }

  private String kvPath(String key) {
    StringBuilder p = new StringBuilder("/v1/kv/");
    String full = prefix + key;
    String[] parts = full.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        p.append('/');
      }
      p.append(enc(parts[i]));
    }
    return p.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // --- Target ------------------------------------------------------------------------------

  @Override
  public void ping() throws Exception {
    Reply r = call("GET", "/v1/status/leader", null, null);
    if (r.status() != 200) {
      throw unexpected("GET /v1/status/leader", r);
    }
  }

  @Override
  public Map<String, Stored> readAll() throws Exception {
    Reply r = call("GET", kvPath(""), "recurse=true", null);
    Map<String, Stored> out = new LinkedHashMap<>();
    if (r.status() == 404) {
      return out;
    }
    if (r.status() != 200) {
      throw unexpected("GET " + kvPath("") + "?recurse", r);
    }
    for (JsonNode n : JSON.readTree(r.body())) {
      String key = n.path("Key").asText();
      if (key.startsWith(prefix) && key.length() > prefix.length()) {
        out.put(key.substring(prefix.length()), stored(n));
      }
    }
    return out;
  }

  @Override
  public Stored read(String key) throws Exception {
    Reply r = call("GET", kvPath(key), null, null);
    if (r.status() == 404) {
      return null;
    }
    if (r.status() != 200) {
      throw unexpected("GET " + kvPath(key), r);
    }
    JsonNode arr = JSON.readTree(r.body());
    return arr.isArray() && arr.size() > 0 ? stored(arr.get(0)) : null;
  }

  private Stored stored(JsonNode n) {
    JsonNode v = n.get("Value");
    String value =
        v == null || v.isNull()
            ? ""
            : new String(Base64.getDecoder().decode(v.asText()), StandardCharsets.UTF_8);
    String holder = n.hasNonNull("Session") ? n.get("Session").asText() : null;
    return new Stored(
        value,
        n.path("ModifyIndex").asLong(),
        holder != null,
        holder != null && holder.equals(session));
  }

  @Override
  public Stored put(MirrorEntry e, Stored current) throws Exception {
    String path = kvPath(e.key());
    if (e.ephemeral()) {
      String s = ensureSession();
      if (current != null && current.ephemeral() && !current.mine()) {
        // held by the previous writer's session: take it over (acquire fails while another session
        // holds it)
        Reply d = call("DELETE", path, null, null);
        if (d.status() != 200) {
          throw unexpected("DELETE " + path, d);
        }
      }
      Reply r = call("PUT", path, "acquire=" + enc(s), e.value());
      if (r.status() == 500 && r.body() != null && r.body().contains("invalid session")) {
        session = null;
        throw new ConflictException("Consul session " + s + " is gone (TTL passed or invalidated)");
      }
      if (r.status() != 200) {
        throw unexpected("PUT " + path + "?acquire", r);
      }
      if (!"true".equals(r.body().strip())) {
        throw new ConflictException(prefix + e.key() + " is held by another Consul session");
      }
      return new Stored(e.value(), 0, true, true);
    }
    long expected = current == null ? 0 : current.version();
    if (current != null && current.ephemeral()) {
      delete(e.key(), new Stored(current.value(), current.version(), false, false));
      expected = 0;
    }
    Reply r = call("PUT", path, "cas=" + expected, e.value());
    if (r.status() != 200) {
      throw unexpected("PUT " + path + "?cas", r);
    }
    if (!"true".equals(r.body().strip())) {
      throw new ConflictException(
          prefix + e.key() + " changed in Consul (expected ModifyIndex " + expected + ")");
    }
    Stored now = read(e.key());
    return now != null ? now : new Stored(e.value(), 0, false, false);
  }

  @Override
  public void delete(String key, Stored current) throws Exception {
    String path = kvPath(key);
    Reply r =
        current.ephemeral()
            ? call("DELETE", path, null, null)
            : call("DELETE", path, "cas=" + current.version(), null);
    if (r.status() != 200) {
      throw unexpected("DELETE " + path, r);
    }
    if (!current.ephemeral() && !"true".equals(r.body().strip())) {
      throw new ConflictException(
          prefix + key + " changed in Consul (expected ModifyIndex " + current.version() + ")");
    }
  }

  private synchronized String ensureSession() throws Exception {
    if (session != null) {
      return session;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("Name", sessionName);
    body.put("TTL", sessionTtlSeconds + "s");
    body.put("Behavior", "delete");
    body.put("LockDelay", "0.001s");
    body.putArray("Checks");
    Reply r = call("PUT", "/v1/session/create", null, JSON.writeValueAsString(body));
    if (r.status() != 200) {
      throw unexpected("PUT /v1/session/create", r);
    }
    session = JSON.readTree(r.body()).path("ID").asText(null);
    if (session == null || session.isEmpty()) {
      session = null;
      throw new IOException("consul PUT /v1/session/create: no ID in " + abbreviate(r.body()));
    }
    return session;
  }

  private void loseSession() throws SessionLostException {
    String s = session;
    session = null;
    sessionLost();
    throw new SessionLostException("Consul session " + s + " is gone (TTL passed or invalidated)");
  }

  @Override
  public long keepAliveIntervalMs() {
    return sessionTtlSeconds * 1000 / 3;
  }

  @Override
  public void keepAlive() throws Exception {
    String s = session;
    if (s == null) {
      return;
    }
    Reply r = call("PUT", "/v1/session/renew/" + enc(s), null, null);
    if (r.status() == 404) {
      loseSession();
    }
    if (r.status() != 200) {
      throw unexpected("PUT /v1/session/renew", r);
    }
  }

  @Override
  public void relinquish() {
    // No destroy: the next writer acquires every TTL'd key with its own session; ours then expires
    // empty.
    session = null;
  }

  @Override
  public void close() {
    session = null;
    http = null;
  }
}
