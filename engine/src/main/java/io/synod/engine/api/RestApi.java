package io.synod.engine.api;

import io.synod.config.DynamicConfig;
import io.synod.config.Tags;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.StoreStatus;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's REST API (api.py): the same paths, methods, query parameters, bodies and status codes,
 * so HAProxy health checks, patronictl habits and scripts written for Patroni work unchanged.
 *
 * <p>One route table (built in the constructor) maps (method, path) to a handler; dispatch, 404 and
 * 405 with {@code Allow} all derive from it. GET routes also answer HEAD and OPTIONS (status only).
 * Health checks ({@link HealthChecks}) read only the last HA loop's {@link NodeStatus} (never
 * PostgreSQL or the store), so they answer in microseconds even while the store or PostgreSQL is
 * slow. State endpoints (/cluster, /config, /history) read the store, falling back to the last
 * loop's view; their documents are built by {@link StatusDocuments}. Actions ({@link Actions}:
 * switchover, restart, ...) go through {@link Access} first, then {@link CrossSiteGuard} (JSON
 * bodies only, no cross-site browser requests).
 */
public final class RestApi {
  private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE");

  /**
   * What the API works with. Only {@code status} is required; endpoints whose collaborator is null
   * answer 503 naming what is missing.
   *
   * @param tags this node's tags (health checks match {@code ?tag_key=value} against them)
   * @param bootstrapDcs the dynamic config to assume while the store holds none
   * @param access the current access rules (re-read after POST /reload)
   * @param switchoverWait how long POST /switchover waits for the new leader before answering
   * @param extraMetrics more Prometheus text appended to /metrics (the DCS bridges'), or null
   * @param events this node's HA events (GET /events, the web page), or null
   * @param peers the client that asks the other members' REST APIs (GET /events?cluster=1), or null
   */
  public record Services(
      String scope,
      String name,
      Tags tags,
      Supplier<NodeStatus> status,
      ClusterStore store,
      ManualRequests manual,
      RaftControl raft,
      Runnable wakeUp,
      DynamicConfig bootstrapDcs,
      Supplier<Access> access,
      Duration switchoverWait,
      Supplier<String> extraMetrics,
      io.synod.engine.ha.HaEvents events,
      io.synod.engine.ha.PeerProbe peers) {
    public Services {
      tags = tags == null ? Tags.none() : tags;
      wakeUp = wakeUp == null ? () -> {} : wakeUp;
      bootstrapDcs = bootstrapDcs == null ? DynamicConfig.defaults() : bootstrapDcs;
      access = access == null ? Access::open : access;
      switchoverWait = switchoverWait == null ? Duration.ofSeconds(20) : switchoverWait;
    }
  }

  /** One row of the route table. {@code action}: checked against the access rules first. */
  private record Route(Function<Request, Response> handler, boolean action) {}

  private final Services svc;
  private final StatusDocuments docs;

  /** path → method → route, in the order written below. */
  private final Map<String, Map<String, Route>> routes = new LinkedHashMap<>();

  public RestApi(Services svc) {
    this.svc = svc;
    this.docs = new StatusDocuments(svc.scope(), svc.manual());
    Actions actions = new Actions(svc);
    EventsDocuments events = new EventsDocuments(svc);

    // State: from the store (falling back to the last loop's view), or from the last loop.
    get("/cluster", r -> withCluster(c -> Response.document(200, cluster(c))));
    get("/history", r -> withCluster(c -> Response.document(200, c.history())));
    get("/config", r -> withCluster(RestApi::config));
    get("/raft", r -> raftStatus());
    get("/raft/members", r -> raftStatus());
    get("/failsafe", r -> withCluster(this::failsafe));
    get("/patroni", withView((r, v) -> Response.document(200, patroni(v))));
    get("/metrics", withView((r, v) -> metrics(v)));
    // The web page (docs/ui.md): static files, and the HA events it shows.
    get(
        "/events",
        r ->
            r.param("cluster") == null
                ? Response.document(200, events.local(EventsDocuments.limit(r)))
                : withCluster(
                    c -> Response.document(200, events.cluster(c, EventsDocuments.limit(r)))));
    for (String path : WebUi.PATHS) {
      get(path, r -> WebUi.serve(path));
    }
    get(
        "/liveness",
        withView((r, v) -> Response.text(HealthChecks.liveness(v, Instant.now()), "")));
    get(
        "/readiness",
        withView(
            (r, v) -> {
              String why =
                  v.witness()
                      ? HealthChecks.witnessReadiness(
                          svc.raft() == null ? null : svc.raft().state())
                      : HealthChecks.readiness(v, r.query());
              return Response.text(why == null ? 200 : 503, why == null ? "" : why);
            }));
    // Health checks: the status code is the answer, the /patroni document the body.
    for (String path : HealthChecks.PATHS) {
      get(
          path,
          withView(
              (r, v) -> Response.document(HealthChecks.check(path, v, r.query()), patroni(v))));
    }

    // Actions.
    action("PATCH", "/config", actions::patchConfig);
    action("PUT", "/config", actions::putConfig);
    action("POST", "/switchover", r -> actions.failover(r, "switchover"));
    action("DELETE", "/switchover", actions::deleteSwitchover);
    action("POST", "/failover", r -> actions.failover(r, "failover"));
    action("POST", "/restart", actions::restart);
    action("DELETE", "/restart", actions::deleteRestart);
    action("POST", "/reload", actions::reload);
    action("POST", "/reinitialize", actions::reinitialize);
    action("POST", "/raft/members", r -> actions.raftMembers(r, true));
    action("DELETE", "/raft/members", r -> actions.raftMembers(r, false));
    action("DELETE", "/cluster", actions::removeCluster);
  }

  private void get(String path, Function<Request, Response> handler) {
    route("GET", path, new Route(handler, false));
  }

  private void action(String method, String path, Function<Request, Response> handler) {
    route(method, path, new Route(handler, true));
  }

  private void route(String method, String path, Route route) {
    if (routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, route) != null) {
      throw new IllegalStateException("two routes for " + method + " " + path);
    }
  }

  /**
   * Health checks and /patroni read only the last loop's status: their own lane, so HAProxy and the
   * peers' leader race are answered even while store reads (/cluster, /config, /raft) wait.
   */
  private static final java.util.Set<String> CHECK_PATHS = checkPaths();

  private static java.util.Set<String> checkPaths() {
    java.util.Set<String> p = new java.util.HashSet<>(HealthChecks.PATHS);
    p.addAll(java.util.List.of("/patroni", "/liveness", "/readiness"));
    return java.util.Set.copyOf(p);
  }

  /** The HTTP server's lane for a request. */
  public HttpServer.Lane lane(Request r) {
    String m = r.method().toUpperCase(Locale.ROOT);
    boolean safe = m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS");
    if (!safe) {
      return HttpServer.Lane.ACTION;
    }
    return CHECK_PATHS.contains(r.path()) ? HttpServer.Lane.CHECK : HttpServer.Lane.READ;
  }

  // ------------------------------------------------------------------------------- dispatch

  public Response handle(Request r) {
    String m = r.method().toUpperCase(Locale.ROOT);
    if (!METHODS.contains(m)) {
      return Response.text(501, "Unsupported method (" + r.method() + ")");
    }
    String path = r.path().length() > 1 ? r.path().replaceAll("/+$", "") : r.path();
    boolean statusOnly = m.equals("HEAD") || m.equals("OPTIONS");
    Map<String, Route> byMethod = routes.get(path);
    if (byMethod == null) {
      Response none = Response.text(404, "no such endpoint: " + m + " " + r.path());
      return statusOnly ? none.statusOnly() : none;
    }
    Route route = byMethod.get(statusOnly ? "GET" : m);
    if (route == null) {
      return notAllowed(path, m, byMethod.keySet());
    }
    if (!route.action()) {
      Response resp = route.handler().apply(r);
      return statusOnly ? resp.statusOnly() : resp;
    }
    Response denied = svc.access().get().check(r);
    if (denied == null) {
      denied = CrossSiteGuard.check(r);
    }
    if (denied != null) {
      LOG.warn(
          "REST {} {} from {} refused: {} {}",
          m,
          path,
          r.remoteAddress(),
          denied.status(),
          denied.body());
      return denied;
    }
    try {
      return route.handler().apply(r);
    } catch (Body.Reject e) {
      return Response.text(e.status, e.getMessage());
    } catch (StoreException e) {
      return Response.text(
          503,
          "the store did not answer ("
              + e.kind()
              + "): "
              + e.getMessage()
              + "; nothing was changed, or the outcome is unknown for a write that timed out");
    }
  }

  /** 405 with {@code Allow}: GET, HEAD, OPTIONS when the path has a GET route, then the rest. */
  private static Response notAllowed(String path, String method, Set<String> methods) {
    List<String> allow = new ArrayList<>();
    if (methods.contains("GET")) {
      allow.addAll(List.of("GET", "HEAD", "OPTIONS"));
    }
    methods.stream().filter(x -> !x.equals("GET")).sorted().forEach(allow::add);
    return Response.text(
            405,
            method + " is not allowed on " + path + " (allowed: " + String.join(", ", allow) + ")")
        .withHeader("Allow", String.join(", ", allow));
  }

  // ------------------------------------------------------------------------------- GET

  /** A handler that needs the last loop's status: 503 "starting" until the first loop. */
  private Function<Request, Response> withView(BiFunction<Request, NodeView, Response> f) {
    return r -> {
      NodeStatus s = svc.status().get();
      if (s == null) {
        return Response.json(503, "{\"state\":\"starting\",\"role\":\"uninitialized\"}");
      }
      return f.apply(r, view(s));
    };
  }

  private NodeView view(NodeStatus s) {
    return new NodeView(
        s, docs.state(s), svc.tags(), s.dynamic() != null ? s.dynamic() : svc.bootstrapDcs());
  }

  /**
   * GET /failsafe as Patroni answers it: {name: api_url} of every member when failsafe_mode is on,
   * 502 when it is off. In Synod failsafe is inherent (the store is the members' own Raft group,
   * lost only with a majority of them), so the list is the members of the cluster, never a separate
   * key the leader maintains.
   */
  private Response failsafe(Cluster c) {
    NodeStatus s = svc.status().get();
    boolean on =
        s != null && s.dynamic() != null
            ? s.dynamic().failsafeMode()
            : svc.bootstrapDcs().failsafeMode();
    if (!on) {
      return Response.text(502, "failsafe_mode is off");
    }
    Map<String, Object> members = new LinkedHashMap<>();
    for (Member m : c.members().values()) {
      if (m.apiUrl() != null) {
        members.put(m.name(), m.apiUrl());
      }
    }
    return Response.document(200, members);
  }

  /**
   * The /patroni document; a witness adds its Raft peer's view (from memory: this lane must not
   * wait on the group), since that peer is all it runs.
   */
  private Map<String, Object> patroni(NodeView v) {
    Map<String, Object> doc = docs.patroni(v);
    if (v.witness() && svc.raft() != null) {
      doc.put("raft", StatusDocuments.raftBrief(svc.raft()));
    }
    return doc;
  }

  private static Response config(Cluster c) {
    return c.config().isEmpty()
        ? Response.text(502, "no dynamic configuration in the store (the config key is missing)")
        : Response.document(200, c.config()).withHeader("ETag", "\"" + c.configRevision() + "\"");
  }

  private Response metrics(NodeView v) {
    return new Response(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        Metrics.render(
                svc.scope(),
                v.status(),
                docs.patroni(v),
                v.isSync(),
                v.isQuorum(),
                v.witness() ? 0 : v.tags().failoverPriority(),
                v.dynamic().failsafeMode(),
                svc.raft())
            + (svc.events() == null
                ? ""
                : Metrics.events(
                    svc.scope(),
                    svc.name(),
                    svc.events().promotions(),
                    svc.events().lastRecoveryMs()))
            + extraMetrics());
  }

  private String extraMetrics() {
    if (svc.extraMetrics() == null) {
      return "";
    }
    try {
      String m = svc.extraMetrics().get();
      return m == null || m.isEmpty() || m.endsWith("\n") ? (m == null ? "" : m) : m + "\n";
    } catch (RuntimeException e) {
      LOG.warn("extra metrics failed: {}", e.toString());
      return "";
    }
  }

  private Map<String, Object> cluster(Cluster c) {
    return StatusDocuments.cluster(c, svc.scope());
  }

  private Response raftStatus() {
    if (svc.raft() == null) {
      return Response.text(503, "this node has no Raft store");
    }
    StoreStatus st;
    try {
      st = svc.raft().status();
    } catch (StoreException e) {
      return Response.text(503, "the Raft store is not running: " + e.getMessage());
    }
    return Response.document(200, StatusDocuments.raft(svc.name(), st));
  }

  /**
   * Runs {@code f} on a fresh read of the store, or on the last loop's view when the store does not
   * answer.
   */
  private Response withCluster(Function<Cluster, Response> f) {
    Cluster c = null;
    String err = null;
    if (svc.store() != null) {
      try {
        c = svc.store().load(ReadMode.LINEARIZABLE);
      } catch (StoreException e) {
        err = e.getMessage();
      }
    }
    if (c == null) {
      NodeStatus s = svc.status().get();
      c = s == null ? null : s.cluster();
    }
    if (c == null) {
      return Response.text(
          503,
          "the store did not answer" + (err == null ? "" : ": " + err) + "; no cluster view yet");
    }
    return f.apply(c);
  }

  /** The member api_urls the last loop saw (for allowlist_include_members). */
  public static Collection<String> memberApiUrls(NodeStatus s) {
    List<String> out = new ArrayList<>();
    if (s != null && s.cluster() != null) {
      for (Member m : s.cluster().members().values()) {
        if (m.apiUrl() != null) {
          out.add(m.apiUrl());
        }
      }
    }
    return out;
  }
}
