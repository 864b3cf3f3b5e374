package io.synod.engine.ha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.tls.ClientTls;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the other members' REST APIs ({@code GET /patroni}) in parallel during the leader race, as
 * Patroni's fetch_nodes_statuses does. A member that does not answer in time is unreachable.
 *
 * <p>Over HTTPS it trusts and presents what a client of this cluster's REST API would ({@link
 * ClientTls}: ctl.cacert else restapi.cafile, ctl.certfile/keyfile else restapi.certfile/keyfile,
 * ctl.insecure), so a private CA or {@code verify_client: required} does not make every peer look
 * unreachable.
 */
public final class PeerProbe {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;

  /**
   * @param tls what a client of this cluster's REST API trusts and presents
   * @throws IllegalArgumentException naming the setting whose file cannot be used (at start, not in
   *     the middle of a leader race)
   */
  public PeerProbe(ClientTls tls) {
    // HTTP/1.1: the REST API speaks nothing else, and an h2c upgrade attempt only costs time.
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500));
    if (tls.configured()) {
      b.sslContext(tls.sslContext());
    }
    http = b.build();
  }

  /**
   * Makes one request so the HTTP client's classes are loaded and compiled before the first leader
   * race: cold, the first probe took about 500 ms, all of it added to the failover.
   */
  void warmUp(String url) {
    try {
      http.sendAsync(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.ofString())
          .thenApply(r -> parse("self", r.body()));
    } catch (IllegalArgumentException e) {
      // no usable URL: the first race pays the warm-up
    }
  }

  Map<String, PeerStatus> probe(Cluster c, String me, Duration timeout) {
    Map<String, CompletableFuture<PeerStatus>> pending = new HashMap<>();
    for (Member m : c.members().values()) {
      // a witness has no WAL and never races: nothing to ask it
      if (m.name().equals(me) || m.apiUrl() == null || m.isWitness()) {
        continue;
      }
      HttpRequest req;
      try {
        req = HttpRequest.newBuilder(URI.create(m.apiUrl())).timeout(timeout).GET().build();
      } catch (IllegalArgumentException e) {
        continue;
      }
      pending.put(
          m.name(),
          http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
              .thenApply(r -> parse(m.name(), r.body()))
              .exceptionally(e -> PeerStatus.unreachable(m.name()))
              .completeOnTimeout(
                  PeerStatus.unreachable(m.name()),
                  timeout.toMillis(),
                  java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    Map<String, PeerStatus> out = new HashMap<>();
    pending.forEach((name, f) -> out.put(name, f.join()));
    return out;
  }

  /**
   * GET {@code url} with this probe's client (its TLS settings); the body of a 200 answer, else a
   * failed future. Used by the REST API to gather the members' /events for the web page.
   */
  public CompletableFuture<String> get(String url, Duration timeout) {
    HttpRequest req;
    try {
      req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
              }
              return r.body();
            });
  }

  static PeerStatus parse(String name, String body) {
    try {
      JsonNode n = JSON.readTree(body);
      boolean running = "running".equals(n.path("state").asText());
      boolean primary =
          "primary".equals(n.path("role").asText()) || "master".equals(n.path("role").asText());
      JsonNode x = n.path("xlog");
      long wal =
          primary
              ? x.path("location").asLong(0)
              : Math.max(
                  x.path("received_location").asLong(0), x.path("replayed_location").asLong(0));
      JsonNode tags = n.path("tags");
      boolean nofailover =
          tags.path("nofailover").asBoolean(false) || "witness".equals(n.path("role").asText());
      int prio = tags.has("failover_priority") ? tags.path("failover_priority").asInt(1) : 1;
      return new PeerStatus(name, true, running, primary, wal, nofailover || prio <= 0, prio);
    } catch (Exception e) {
      return PeerStatus.unreachable(name);
    }
  }
}
