package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.tls.ClientTls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** synodctl's HTTP client for the nodes' REST APIs: basic auth and TLS from {@link CtlSettings}. */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** One answer. */
  record Reply(int status, String body, Map<String, List<String>> headers) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw CtlException.failed(
            "the node answered " + status + " with a body that is not JSON: " + abbreviate(body));
      }
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    String text() {
      return body == null ? "" : body.strip();
    }
  }

  /**
   * The node at {@code base} could not be reached at all (connection refused, timeout, TLS
   * failure).
   */
  static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final CtlSettings settings;
  private final HttpClient http;
  private String clusterBase;

  Api(CtlSettings settings) {
    this.settings = settings;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (settings.seeds.stream().anyMatch(s -> s.startsWith("https:"))
        || settings.certfile != null
        || settings.cacert != null
        || settings.insecure) {
      b.sslContext(sslContext(settings));
    }
    http = b.build();
  }

  CtlSettings settings() {
    return settings;
  }

  Reply send(String base, String method, String path, Object body, Duration timeout)
      throws Unreachable {
    return send(base, method, path, body, timeout, Map.of());
  }

  Reply send(
      String base,
      String method,
      String path,
      Object body,
      Duration timeout,
      Map<String, String> headers)
      throws Unreachable {
    String json;
    try {
      json = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("User-Agent", "synodctl/" + SynodCtl.VERSION)
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      rb.header("Content-Type", "application/json");
    }
    if (settings.username != null) {
      String token =
          Base64.getEncoder()
              .encodeToString(
                  (settings.username + ":" + (settings.password == null ? "" : settings.password))
                      .getBytes(StandardCharsets.UTF_8));
      rb.header("Authorization", "Basic " + token);
    }
    headers.forEach(rb::header);
    try {
      HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers().map());
    } catch (HttpConnectTimeoutException e) {
      throw new Unreachable(base + ": connection timed out", e);
    } catch (HttpTimeoutException e) {
      throw new Unreachable(base + ": no answer within " + timeout.toSeconds() + " s", e);
    } catch (ConnectException e) {
      throw new Unreachable(base + ": connection refused", e);
    } catch (IOException e) {
      throw new Unreachable(
          base + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable(base + ": interrupted", e);
    }
  }

  /**
   * GET /cluster from the first node that answers: the configured ones first, then the members
   * learned from an earlier answer. Throws (exit 3) naming every address tried and why it failed.
   */
  JsonNode cluster() {
    List<String> tried = new ArrayList<>();
    List<String> order = new ArrayList<>();
    if (clusterBase != null) {
      order.add(clusterBase);
    } else if (settings.raftAddress != null) {
      order.add(restForRaft());
    }
    order.addAll(settings.seeds);
    for (String base : order) {
      try {
        Reply r = send(base, "GET", "/cluster", null, DEFAULT_TIMEOUT);
        if (r.status() == 200) {
          clusterBase = base;
          return r.json();
        }
        tried.add(base + " answered " + r.status() + ": " + abbreviate(r.text()));
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no Synod node answered GET /cluster ("
            + String.join("; ", tried)
            + "). Check that the nodes run and that -c/--config-file (restapi.connect_address) or --api points at one");
  }

  /**
   * A REST API of the cluster that the Raft peer {@code -d raft://HOST:PORT} belongs to: the
   * configured nodes and HOST at the restapi port (or 8008) are asked GET /raft, and the first
   * whose Raft group has that peer is used.
   */
  private String restForRaft() {
    boolean https = settings.seeds.stream().anyMatch(s -> s.startsWith("https:"));
    List<String> candidates = new ArrayList<>(settings.restCandidatesForRaft(https));
    candidates.addAll(settings.seeds);
    List<String> tried = new ArrayList<>();
    for (String base : candidates) {
      try {
        Reply r = send(base, "GET", "/raft", null, DEFAULT_TIMEOUT);
        if (r.status() != 200) {
          tried.add(base + " answered " + r.status());
          continue;
        }
        JsonNode raft = r.json();
        boolean member = settings.raftAddress.equals(raft.path("self").asText());
        for (JsonNode p : raft.path("peers")) {
          member |= settings.raftAddress.equals(p.asText());
        }
        if (member) {
          return base;
        }
        tried.add(base + " serves another Raft group (" + raft.path("peers") + ")");
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no REST API found for the Raft peer "
            + settings.raftAddress
            + " ("
            + String.join("; ", tried)
            + "). synodctl reaches a Raft address through a REST API of the same cluster on that"
            + " host (restapi port of -c's file, else 8008); or give --api/-d http://HOST:PORT");
  }

  /** The node that last answered GET /cluster. */
  String clusterBase() {
    return clusterBase;
  }

  /** Sends to the first base that is reachable; the list usually starts with the preferred node. */
  Reply sendToAny(
      Collection<String> bases, String method, String path, Object body, Duration timeout) {
    List<String> tried = new ArrayList<>();
    for (String base : bases) {
      try {
        return send(base, method, path, body, timeout);
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no node could be reached for "
            + method
            + " "
            + path
            + " ("
            + String.join("; ", tried)
            + ")");
  }

  /** A member's REST base URL from its api_url ("http://h:p/patroni" → "http://h:p"). */
  static String baseOf(JsonNode member) {
    String url = member.path("api_url").asText(null);
    if (url == null || url.isBlank()) {
      return null;
    }
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  static String abbreviate(String s) {
    String t = s == null ? "" : s.strip().replace('\n', ' ');
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  // ------------------------------------------------------------------------------- TLS

  private static SSLContext sslContext(CtlSettings s) {
    try {
      return new ClientTls(
              s.cacert,
              s.certfile,
              s.keyfile,
              s.keyfilePassword,
              s.insecure,
              List.of(s.caSettings, "ctl.certfile", "ctl.keyfile"))
          .sslContext();
    } catch (IllegalArgumentException e) {
      throw new CtlException(CtlException.USAGE, "TLS settings: " + e.getMessage());
    }
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }
}
