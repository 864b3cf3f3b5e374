package io.synod.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import io.synod.config.Maps;
import io.synod.config.SynchronousMode;
import io.synod.config.Units;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.Lsn;
import io.synod.engine.postgres.PgState;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.StoreStatus;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Member;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's REST API (api.py): the same paths, methods, query parameters, bodies and status codes,
 * so HAProxy health checks, patronictl habits and scripts written for Patroni work unchanged.
 *
 * <p>Health checks read only the last HA loop's {@link NodeStatus} (never PostgreSQL or the store),
 * so they answer in microseconds even while the store or PostgreSQL is slow. State endpoints
 * (/cluster, /config, /history) read the store, falling back to the last loop's view. Actions
 * (switchover, restart, ...) go through {@link Access} first; restart/reinitialize/reload are
 * queued for the HA loop ({@link ManualRequests}) and never run beside it.
 */
public final class RestApi {
  private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String VERSION = "synod-0.1.0";

  /**
   * What the API works with. Only {@code status} is required; endpoints whose collaborator is null
   * answer 503 naming what is missing.
   *
   * @param bootstrapDcs the dynamic config to assume while the store holds none
   * @param access the current access rules (re-read after POST /reload)
   * @param switchoverWait how long POST /switchover waits for the new leader before answering
   * @param extraMetrics more Prometheus text appended to /metrics (the DCS bridges'), or null
   */
  public record Services(
      String scope,
      String name,
      Map<String, Object> tags,
      Supplier<NodeStatus> status,
      ClusterStore store,
      ManualRequests manual,
      RaftControl raft,
      Runnable wakeUp,
      DynamicConfig bootstrapDcs,
      Supplier<Access> access,
      Duration switchoverWait,
      Supplier<String> extraMetrics) {
    public Services(
        String scope,
        String name,
        Map<String, Object> tags,
        Supplier<NodeStatus> status,
        ClusterStore store,
        ManualRequests manual,
        RaftControl raft,
        Runnable wakeUp,
        DynamicConfig bootstrapDcs,
        Supplier<Access> access,
        Duration switchoverWait) {
      this(
          scope,
          name,
          tags,
          status,
          store,
          manual,
          raft,
          wakeUp,
          bootstrapDcs,
          access,
          switchoverWait,
          null);
    }

    public Services {
      tags = tags == null ? Map.of() : tags;
      wakeUp = wakeUp == null ? () -> {} : wakeUp;
      bootstrapDcs = bootstrapDcs == null ? DynamicConfig.defaults() : bootstrapDcs;
      access = access == null ? Access::open : access;
      switchoverWait = switchoverWait == null ? Duration.ofSeconds(20) : switchoverWait;
    }
  }

  private final Services svc;
  private volatile Map<String, Object> lastConfigMap;
  private volatile DynamicConfig lastConfig;

  public RestApi(Services svc) {
    this.svc = svc;
  }

  /** Health checks and state only (no store, no actions). */
  public RestApi(
      String scope,
      Map<String, Object> tags,
      Supplier<NodeStatus> status,
      long maximumLagDefault,
      double ttlSeconds) {
    this(
        new Services(
            scope,
            null,
            tags,
            status,
            null,
            null,
            null,
            null,
            DynamicConfig.fromMap(
                Map.of(
                    "ttl",
                    ttlSeconds,
                    "maximum_lag_on_failover",
                    maximumLagDefault,
                    "loop_wait",
                    Math.min(DynamicConfig.DEFAULT_LOOP_WAIT, ttlSeconds / 4),
                    "retry_timeout",
                    Math.min(DynamicConfig.DEFAULT_RETRY_TIMEOUT, ttlSeconds / 4)),
                "restapi"),
            null,
            null));
  }

  // ------------------------------------------------------------------------------- routing

  private static final Set<String> STATE_PATHS =
      Set.of(
          "/patroni",
          "/cluster",
          "/history",
          "/config",
          "/metrics",
          "/raft",
          "/raft/members",
          "/failsafe",
          "/liveness",
          "/readiness");
  private static final Map<String, Set<String>> ACTIONS =
      Map.of(
          "/config", Set.of("PATCH", "PUT"),
          "/switchover", Set.of("POST", "DELETE"),
          "/failover", Set.of("POST"),
          "/restart", Set.of("POST", "DELETE"),
          "/reload", Set.of("POST"),
          "/reinitialize", Set.of("POST"),
          "/raft/members", Set.of("POST", "DELETE"),
          "/cluster", Set.of("DELETE"));

  public Response handle(Request r) {
    String m = r.method().toUpperCase(Locale.ROOT);
    String path = r.path().length() > 1 ? r.path().replaceAll("/+$", "") : r.path();
    switch (m) {
      case "GET", "HEAD", "OPTIONS" -> {
        if (ACTIONS.containsKey(path) && !STATE_PATHS.contains(path)) {
          return notAllowed(path, m);
        }
        Response resp = get(path, r);
        return m.equals("GET") ? resp : resp.statusOnly();
      }
      case "POST", "PUT", "PATCH", "DELETE" -> {
        Set<String> allowed = ACTIONS.get(path);
        if (allowed == null) {
          return STATE_PATHS.contains(path) || isHealthPath(path)
              ? notAllowed(path, m)
              : Response.text(404, "no such endpoint: " + m + " " + r.path());
        }
        if (!allowed.contains(m)) {
          return notAllowed(path, m);
        }
        Response denied = svc.access().get().check(r);
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
          return action(m, path, r);
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
      default -> {
        return Response.text(501, "Unsupported method (" + r.method() + ")");
      }
    }
  }

  private static Response notAllowed(String path, String method) {
    List<String> allow = new ArrayList<>();
    if (STATE_PATHS.contains(path) || isHealthPath(path)) {
      allow.addAll(List.of("GET", "HEAD", "OPTIONS"));
    }
    allow.addAll(ACTIONS.getOrDefault(path, Set.of()).stream().sorted().toList());
    return Response.text(
            405,
            method + " is not allowed on " + path + " (allowed: " + String.join(", ", allow) + ")")
        .withHeader("Allow", String.join(", ", allow));
  }

  private Response action(String m, String path, Request r) {
    return switch (m + " " + path) {
      case "PATCH /config" -> patchConfig(r);
      case "PUT /config" -> putConfig(r);
      case "POST /switchover" -> failover(r, "switchover");
      case "POST /failover" -> failover(r, "failover");
      case "DELETE /switchover" -> deleteSwitchover(r);
      case "POST /restart" -> restart(r);
      case "DELETE /restart" -> deleteRestart(r);
      case "POST /reload" -> reload(r);
      case "POST /reinitialize" -> reinitialize(r);
      case "POST /raft/members" -> raftMembers(r, true);
      case "DELETE /raft/members" -> raftMembers(r, false);
      case "DELETE /cluster" -> removeCluster(r);
      default -> Response.text(404, "no such endpoint: " + m + " " + path);
    };
  }

  // ------------------------------------------------------------------------------- GET

  private Response get(String path, Request r) {
    switch (path) {
      case "/cluster" -> {
        return withCluster(c -> Response.json(200, write(cluster(c))));
      }
      case "/history" -> {
        return withCluster(c -> Response.json(200, write(c.history())));
      }
      case "/config" -> {
        return withCluster(
            c ->
                c.config().isEmpty()
                    ? Response.text(
                        502, "no dynamic configuration in the store (the config key is missing)")
                    : Response.json(200, write(c.config()))
                        .withHeader("ETag", "\"" + c.configRevision() + "\""));
      }
      case "/raft", "/raft/members" -> {
        return raftStatus();
      }
      case "/failsafe" -> {
        return Response.text(
            502,
            "failsafe_mode is not supported by Synod (the store is the cluster's own Raft group)");
      }
      default -> {
        // the rest need the last loop's status
      }
    }
    NodeStatus s = svc.status().get();
    if (s == null) {
      return Response.json(503, "{\"state\":\"starting\",\"role\":\"uninitialized\"}");
    }
    return switch (path) {
      case "/patroni" -> Response.json(200, write(patroni(s)));
      case "/metrics" ->
          new Response(
              200,
              "text/plain; version=0.0.4; charset=utf-8",
              Metrics.render(
                      svc.scope(),
                      s,
                      patroni(s),
                      isSync(s),
                      failoverPriority(),
                      dynamic(s).failsafeMode(),
                      svc.raft())
                  + extraMetrics());
      case "/liveness" -> Response.text(livenessOk(s) ? 200 : 503, "");
      case "/readiness" -> {
        String why = readiness(r, s);
        yield Response.text(why == null ? 200 : 503, why == null ? "" : why);
      }
      default -> health(path, r, s);
    };
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

  static boolean isHealthPath(String path) {
    return switch (path) {
      case "",
          "/",
          "/primary",
          "/read-write",
          "/master",
          "/leader",
          "/standby-leader",
          "/standby_leader",
          "/replica",
          "/read-only",
          "/sync",
          "/synchronous",
          "/async",
          "/asynchronous",
          "/read-only-sync",
          "/read-only-synchronous",
          "/quorum",
          "/read-only-quorum",
          "/health" ->
          true;
      default -> false;
    };
  }

  /**
   * Health checks, as Patroni's do_GET: 200 when the condition holds, 503 otherwise; the body is
   * the /patroni document. {@code tag_*} parameters are matched except on the leader checks.
   */
  private Response health(String path, Request r, NodeStatus s) {
    if (!isHealthPath(path)) {
      return Response.text(404, "no such endpoint: " + r.path());
    }
    if (path.equals("") || path.equals("/")) {
      path = "/primary";
    }
    Map<String, Object> doc = patroni(s);
    PgState pg = s.pg();
    Cluster c = s.cluster();
    boolean running = "running".equals(doc.get("state"));
    String role = String.valueOf(doc.get("role"));

    long leaderOptime = c == null ? 0 : c.optime();
    Long maxLag = lagParam(r.param("lag"));
    boolean lagging = maxLag != null && leaderOptime > 0 && leaderOptime > pg.replayLsn() + maxLag;
    String wantedState = r.param("replication_state");
    boolean stateMatches = wantedState == null || wantedState.equals(doc.get("replication_state"));
    int replica =
        !noLoadBalance() && !lagging && role.equals("replica") && running && stateMatches
            ? 200
            : 503;

    int leader;
    int primary;
    int standbyLeader = 503; // standby clusters are not supported yet
    if (c == null && Boolean.TRUE.equals(doc.get("pause"))) {
      leader = role.equals("primary") ? 200 : 503;
      primary = leader;
    } else if (holdsLock(s)) {
      leader = 200;
      // Stricter than Patroni: the lock holder must also run PostgreSQL as a primary, so HAProxy
      // never sends writes to a node that is still promoting or has just crashed.
      primary = pg.isPrimary() ? 200 : 503;
    } else {
      leader = 503;
      primary = 503;
    }
    int code = 503;
    boolean ignoreTags = false;
    switch (path) {
      case "/standby-leader", "/standby_leader" -> {
        code = standbyLeader;
        ignoreTags = true;
      }
      case "/leader" -> {
        code = leader;
        ignoreTags = true;
      }
      case "/primary", "/read-write", "/master" -> {
        code = primary;
        ignoreTags = true;
      }
      case "/replica" -> code = replica;
      case "/read-only" -> code = primary == 200 || standbyLeader == 200 ? 200 : replica;
      case "/health" -> code = running ? 200 : 503;
      default -> {
        if (c != null) {
          boolean sync = isSync(s);
          switch (path) {
            case "/sync", "/synchronous" -> code = sync ? replica : 503;
            case "/async", "/asynchronous" -> code = !sync ? replica : 503;
            case "/quorum" -> code = 503; // quorum commit is not supported yet
            case "/read-only-quorum" -> code = primary == 200 ? 200 : 503;
            case "/read-only-sync", "/read-only-synchronous" ->
                code = primary == 200 ? 200 : sync ? replica : 503;
            default -> code = 503;
          }
        }
      }
    }
    if (!ignoreTags && code == 200 && !tagsMatch(r)) {
      code = 503;
    }
    return Response.json(code, write(doc));
  }

  /**
   * Patroni's is_leader: this node holds the leader lock. While the store is unreachable the last
   * loop cannot see the lock, but the node's own lease still counts (the HA engine keeps the
   * primary running until it runs out), so a Raft election does not take the primary out of
   * HAProxy.
   */
  private static boolean holdsLock(NodeStatus s) {
    return s.isLeader() || (s.cluster() == null && s.leaseHeld());
  }

  /** Patroni's parse_int(lag, 'B'): bytes or a unit (16MB, 1GB); unparsable means no limit. */
  static Long lagParam(String lag) {
    if (lag == null || lag.isBlank()) {
      return null;
    }
    try {
      return Units.parseBytes(lag.trim());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private boolean tagsMatch(Request r) {
    for (Map.Entry<String, List<String>> q : r.query().entrySet()) {
      if (!q.getKey().startsWith("tag_") || q.getValue().isEmpty()) {
        continue;
      }
      Object have = svc.tags().get(q.getKey().substring(4));
      if (have == null) {
        return false;
      }
      String v = have instanceof String str ? str : String.valueOf(have).toLowerCase(Locale.ROOT);
      if (!v.equals(q.getValue().get(0))) {
        return false;
      }
    }
    return true;
  }

  private boolean noLoadBalance() {
    Object v = svc.tags().get("noloadbalance");
    return Boolean.TRUE.equals(v) || "true".equalsIgnoreCase(String.valueOf(v));
  }

  private int failoverPriority() {
    Object nf = svc.tags().get("nofailover");
    if (Boolean.TRUE.equals(nf) || "true".equalsIgnoreCase(String.valueOf(nf))) {
      return 0;
    }
    Object p = svc.tags().get("failover_priority");
    try {
      return p == null ? 1 : Integer.parseInt(String.valueOf(p));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private boolean isSync(NodeStatus s) {
    Cluster c = s.cluster();
    return c != null
        && dynamic(s).synchronousMode() != SynchronousMode.OFF
        && c.sync() != null
        && c.sync().syncStandby().contains(s.name());
  }

  private boolean livenessOk(NodeStatus s) {
    if (s.cluster() != null && s.cluster().paused()) {
      return true;
    }
    boolean primary = s.pg().isPrimary();
    double limit = (primary ? 1 : 2) * dynamic(s).ttlSeconds();
    return Duration.between(s.lastLoop(), Instant.now()).toMillis() < limit * 1000;
  }

  /** Patroni 4.1's readiness: null when ready, else why not. */
  private String readiness(Request r, NodeStatus s) {
    if (holdsLock(s)) {
      return null;
    }
    if (!"running".equals(state(s))) {
      return "PostgreSQL is not running";
    }
    if (!s.pg().isStreaming()) {
      return "PostgreSQL replication state is not streaming";
    }
    if (s.cluster() == null) {
      return "DCS is not accessible";
    }
    boolean write = "write".equals(r.param("mode"));
    long location = write ? s.pg().receiveLsn() : s.pg().replayLsn();
    long lag = s.cluster().optime() - location;
    Long max = lagParam(r.param("lag"));
    long limit = max != null ? max : dynamic(s).maximumLagOnFailover();
    if (s.cluster().optime() > 0 && lag > limit) {
      return "Replication "
          + (write ? "write" : "apply")
          + " lag "
          + lag
          + " exceeds maximum allowable "
          + limit;
    }
    return null;
  }

  /** The dynamic config in force: the store's (as of the last loop), else bootstrap.dcs. */
  private DynamicConfig dynamic(NodeStatus s) {
    Map<String, Object> m = s == null || s.cluster() == null ? null : s.cluster().config();
    if (m == null || m.isEmpty()) {
      return svc.bootstrapDcs();
    }
    if (m != lastConfigMap) {
      try {
        lastConfig = DynamicConfig.fromMap(m, "store: config key");
      } catch (ConfigException e) {
        lastConfig = svc.bootstrapDcs();
      }
      lastConfigMap = m;
    }
    return lastConfig;
  }

  private String state(NodeStatus s) {
    ManualRequests m = svc.manual();
    String busy = m == null ? null : m.running();
    if ("restart".equals(busy)) {
      return "restarting";
    }
    if ("reinitialize".equals(busy)) {
      return "creating replica";
    }
    return s.state();
  }

  /** GET /patroni: Patroni's get_postgresql_status document, plus a "synod" section. */
  Map<String, Object> patroni(NodeStatus s) {
    PgState pg = s.pg();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", state(s));
    if (pg.postmasterStartTime() != null) {
      m.put("postmaster_start_time", pg.postmasterStartTime().toString());
    }
    m.put("role", s.role());
    if (pg.serverVersion() > 0) {
      m.put("server_version", pg.serverVersion());
    }
    if (pg.running() && pg.acceptingConnections()) {
      Map<String, Object> x = new LinkedHashMap<>();
      if (pg.inRecovery()) {
        x.put("received_location", pg.receiveLsn());
        x.put("replayed_location", pg.replayLsn());
        x.put("replayed_timestamp", null);
        x.put("paused", false);
      } else {
        x.put("location", pg.currentLsn());
      }
      m.put("xlog", x);
      if (isSync(s)) {
        m.put("sync_standby", true);
      }
      m.put("timeline", pg.timeline());
      if (pg.isStreaming()) {
        m.put("replication_state", "streaming");
      } else if (pg.inRecovery()) {
        m.put("replication_state", "in archive recovery");
      }
    }
    List<Map<String, Object>> rep = new ArrayList<>();
    for (PgState.ReplicationRow row : pg.replication()) {
      Map<String, Object> rr = new LinkedHashMap<>();
      rr.put("application_name", row.applicationName());
      rr.put("client_addr", row.clientAddr());
      rr.put("state", row.state());
      rr.put("sync_state", row.syncState());
      rep.add(rr);
    }
    if (!rep.isEmpty()) {
      m.put("replication", rep);
    }
    m.put("cluster_unlocked", s.cluster() != null && s.cluster().isUnlocked());
    m.put("failsafe_mode_is_active", false);
    if (s.cluster() != null && s.cluster().paused()) {
      m.put("pause", true);
    }
    if (pg.pendingRestart()) {
      m.put("pending_restart", true);
    }
    ManualRequests mr = svc.manual();
    ManualRequests.RestartSpec sched = mr == null ? null : mr.scheduledRestart();
    if (sched != null) {
      Map<String, Object> sr = new LinkedHashMap<>();
      sr.put("schedule", sched.schedule().toString());
      if (sched.role() != null) {
        sr.put("role", sched.role());
      }
      if (sched.postgresVersion() != null) {
        sr.put("postgres_version", sched.postgresVersion());
      }
      if (sched.pendingOnly()) {
        sr.put("restart_pending", true);
      }
      m.put("scheduled_restart", sr);
    }
    if (s.dcsLastSeen() != null) {
      m.put("dcs_last_seen", s.dcsLastSeen().getEpochSecond());
    }
    if (!svc.tags().isEmpty()) {
      m.put("tags", svc.tags());
    }
    if (pg.sysid() != null) {
      m.put("database_system_identifier", pg.sysid());
    }
    m.put("patroni", Map.of("version", VERSION, "scope", svc.scope(), "name", s.name()));
    Map<String, Object> synod = new LinkedHashMap<>();
    synod.put("decision", s.decision() == null ? null : s.decision().reason());
    synod.put("lease_remaining_ms", s.leaseRemainingMs());
    if (s.storeError() != null) {
      synod.put("store_error", s.storeError());
    }
    if (mr != null && mr.running() != null) {
      synod.put("manual_action", mr.running());
    }
    m.put("synod", synod);
    return m;
  }

  /** Patroni's cluster_as_json. */
  static Map<String, Object> cluster(Cluster c, String scope) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> members = new ArrayList<>();
    String leaderName = c.leader() == null ? null : c.leader().name();
    boolean syncMode = syncMode(c.config());
    for (Member mem : c.members().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", mem.name());
      String role =
          mem.name().equals(leaderName)
              ? "leader"
              : syncMode && c.sync() != null && c.sync().syncStandby().contains(mem.name())
                  ? "sync_standby"
                  : "replica";
      m.put("role", role);
      Object rs = mem.data().get("replication_state");
      m.put(
          "state",
          !role.equals("leader") && rs != null && !String.valueOf(rs).isEmpty() ? rs : mem.state());
      m.put("api_url", mem.apiUrl());
      try {
        java.net.URI u = java.net.URI.create(mem.connUrl());
        if (u.getHost() != null) {
          m.put("host", u.getHost());
          if (u.getPort() > 0) {
            m.put("port", u.getPort());
          }
        }
      } catch (RuntimeException e) {
        // no conn_url yet
      }
      for (String k :
          List.of(
              "timeline",
              "pending_restart",
              "pending_restart_reason",
              "scheduled_restart",
              "tags")) {
        if (mem.data().containsKey(k)) {
          m.put(k, mem.data().get(k));
        }
      }
      if (!role.equals("leader")) {
        long cluster = c.optime();
        lag(m, "receive_", lsnOf(mem.data().get("receive_lsn")), cluster);
        lag(m, "replay_", lsnOf(mem.data().get("replay_lsn")), cluster);
        lag(m, "", lsnOf(mem.data().get("xlog_location")), cluster);
      }
      members.add(m);
    }
    out.put("members", members);
    if (c.paused()) {
      out.put("pause", true);
    }
    if (c.failover() != null && c.failover().scheduledAt() != null) {
      Map<String, Object> sw = new LinkedHashMap<>();
      sw.put("at", c.failover().scheduledAt().toString());
      if (c.failover().leader() != null) {
        sw.put("from", c.failover().leader());
      }
      if (c.failover().candidate() != null) {
        sw.put("to", c.failover().candidate());
      }
      out.put("scheduled_switchover", sw);
    }
    out.put("scope", scope);
    return out;
  }

  private Map<String, Object> cluster(Cluster c) {
    return cluster(c, svc.scope());
  }

  private static void lag(Map<String, Object> m, String prefix, long lsn, long clusterLsn) {
    if (lsn <= 0) {
      m.put(prefix + "lsn", "unknown");
      m.put(prefix + "lag", "unknown");
    } else {
      m.put(prefix + "lsn", Lsn.format(lsn));
      m.put(prefix + "lag", clusterLsn >= lsn ? clusterLsn - lsn : 0);
    }
  }

  /** Member data holds LSNs as numbers (xlog_location) or as text (receive_lsn "0/3000060"). */
  static long lsnOf(Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v == null) {
      return 0;
    }
    try {
      String s = v.toString();
      return s.contains("/") ? Lsn.parse(s) : Long.parseLong(s);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static boolean syncMode(Map<String, Object> config) {
    Object v = config.get("synchronous_mode");
    if (v == null) {
      return false;
    }
    String s = String.valueOf(v).toLowerCase(Locale.ROOT);
    return s.equals("true") || s.equals("on") || s.equals("quorum");
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
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", svc.name());
    m.put("self", st.self());
    m.put("leader", st.leader());
    m.put("is_leader", st.isLeader());
    m.put("state", st.state());
    m.put("term", st.term());
    m.put("last_log_index", st.lastLogIndex());
    m.put("committed_index", st.committedIndex());
    m.put("applied_index", st.appliedIndex());
    m.put("peers", st.peers());
    if (st.isLeader()) {
      m.put("alive_peers", st.alivePeers());
    }
    return Response.json(200, write(m));
  }

  /**
   * Runs {@code f} on a fresh read of the store, or on the last loop's view when the store does not
   * answer.
   */
  private Response withCluster(java.util.function.Function<Cluster, Response> f) {
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

  // ------------------------------------------------------------------------------- actions

  private ClusterStore store() {
    if (svc.store() == null) {
      throw new Body.Reject(503, "this node has no store attached");
    }
    return svc.store();
  }

  /**
   * A fresh read, else the last loop's view, else null: for actions that work without the store.
   */
  private Cluster clusterOrLast() {
    if (svc.store() != null) {
      try {
        return svc.store().load(ReadMode.LINEARIZABLE);
      } catch (StoreException e) {
        LOG.debug("store read failed: {}", e.getMessage());
      }
    }
    NodeStatus s = svc.status().get();
    return s == null ? null : s.cluster();
  }

  private ManualRequests manual() {
    if (svc.manual() == null) {
      throw new Body.Reject(503, "this node does not take restart/reinitialize/reload requests");
    }
    return svc.manual();
  }

  private Response patchConfig(Request r) {
    Map<String, Object> patch = Body.object(r, false, null);
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    if (c.config().isEmpty()) {
      return Response.text(
          503,
          "no dynamic configuration in the store (the config key is missing): use PUT /config");
    }
    Map<String, Object> merged = Maps.mergePatch(Maps.mutableCopy(c.config()), patch);
    validate(merged, "PATCH /config");
    if (!merged.equals(c.config())) {
      if (!store().setConfig(merged, c.configRevision())) {
        return Response.text(
            409,
            "the configuration changed concurrently (it was at revision "
                + c.configRevision()
                + "); nothing was written: read it again and retry");
      }
      LOG.info("dynamic configuration patched through the REST API: {}", write(patch));
    }
    svc.wakeUp().run();
    return Response.json(200, write(merged));
  }

  private Response putConfig(Request r) {
    Map<String, Object> body = Body.object(r, false, null);
    validate(body, "PUT /config");
    Long expected = null;
    String ifMatch = r.header("If-Match");
    if (ifMatch != null) {
      try {
        expected = Long.parseLong(ifMatch.replace("\"", "").trim());
      } catch (NumberFormatException e) {
        throw Body.bad(
            "If-Match must be a config revision as sent in GET /config's ETag, got " + ifMatch);
      }
    }
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    if (expected != null && expected != c.configRevision()) {
      return Response.text(
          409,
          "the configuration changed since revision "
              + expected
              + " (now "
              + c.configRevision()
              + "); nothing was written");
    }
    if (!body.equals(c.config())) {
      if (!store().setConfig(body, expected == null ? -1 : expected)) {
        return expected == null
            ? Response.text(502, "writing the config key failed")
            : Response.text(409, "the configuration changed concurrently; nothing was written");
      }
      LOG.info("dynamic configuration replaced through the REST API");
    }
    svc.wakeUp().run();
    return Response.json(200, write(body));
  }

  private static void validate(Map<String, Object> config, String origin) {
    try {
      DynamicConfig.fromMap(config, origin);
    } catch (ConfigException e) {
      throw Body.bad(
          "invalid configuration, nothing was changed: " + String.join("; ", e.problems()));
    }
  }

  private Response failover(Request r, String requested) {
    String action = requested;
    if (r.body().isBlank()) {
      throw Body.bad(
          "POST /"
              + requested
              + " needs a JSON object body: {\"leader\": ..., \"candidate\": ...}");
    }
    Map<String, Object> body =
        Body.object(r, true, Set.of("leader", "candidate", "member", "scheduled_at"));
    String leader = Body.string(body, "leader");
    String candidate = Body.string(body, "candidate");
    if (candidate == null) {
      candidate = Body.string(body, "member");
    }
    String scheduled = Body.string(body, "scheduled_at");
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    boolean paused = c.paused();
    LOG.info(
        "received {} request with leader={} candidate={} scheduled_at={}",
        action,
        leader,
        candidate,
        scheduled);

    if (action.equals("failover") && candidate == null) {
      throw Body.bad("Failover could be performed only to a specific candidate");
    }
    if (action.equals("switchover") && leader == null) {
      throw Body.bad("Switchover could be performed only from a specific leader");
    }
    OffsetDateTime at = null;
    if (scheduled != null && !scheduled.isBlank()) {
      if (action.equals("failover")) {
        throw Body.bad("Failover can't be scheduled");
      }
      if (paused) {
        throw Body.bad("Can't schedule switchover in the paused state");
      }
      at = parseSchedule(scheduled, action);
    }
    if (paused && candidate == null) {
      throw Body.bad("Switchover is possible only to a specific candidate in a paused state");
    }
    if (action.equals("failover") && leader != null) {
      LOG.warn("received a failover request with a leader: performing a switchover instead");
      action = "switchover";
    }
    if (leader != null && leader.equals(candidate)) {
      throw Body.bad("Switchover target and source are the same");
    }
    if (at == null) {
      String why = failoverImpossible(c, leader, candidate, action);
      if (why != null) {
        return Response.text(412, why);
      }
    }
    if (!store().setFailover(new FailoverRequest(leader, candidate, at, 0), -1)) {
      return Response.text(503, "failed to write failover key into DCS");
    }
    svc.wakeUp().run();
    if (at != null) {
      return Response.text(202, title(action) + " scheduled");
    }
    return pollFailover(c.leader() == null ? null : c.leader().name(), candidate, action);
  }

  /** Patroni's is_failover_possible, judging members by their keys (state, tags, lag). */
  private String failoverImpossible(Cluster c, String leader, String candidate, String action) {
    if (leader != null && (c.leader() == null || !c.leader().name().equals(leader))) {
      return "leader name does not match";
    }
    DynamicConfig d = dynamicOf(c);
    boolean sync = d.synchronousMode() == SynchronousMode.ON;
    List<Member> candidates = new ArrayList<>();
    if (candidate != null) {
      if (action.equals("switchover")
          && sync
          && (c.sync() == null || !c.sync().syncStandby().contains(candidate))) {
        return "candidate name does not match with sync_standby";
      }
      Member m = c.member(candidate);
      if (m == null) {
        return "candidate does not exists";
      }
      candidates.add(m);
    } else if (sync) {
      for (Member m : c.members().values()) {
        if (c.sync() != null && c.sync().syncStandby().contains(m.name())) {
          candidates.add(m);
        }
      }
      if (candidates.isEmpty()) {
        return action + " is not possible: can not find sync_standby";
      }
    } else {
      for (Member m : c.members().values()) {
        if ((c.leader() == null || !m.name().equals(c.leader().name())) && m.apiUrl() != null) {
          candidates.add(m);
        }
      }
      if (candidates.isEmpty()) {
        return action + " is not possible: cluster does not have members except leader";
      }
    }
    for (Member m : candidates) {
      if ("running".equals(m.state()) && !m.noFailover()) {
        return null;
      }
    }
    return action + " is not possible: no good candidates have been found";
  }

  private DynamicConfig dynamicOf(Cluster c) {
    if (c.config().isEmpty()) {
      return svc.bootstrapDcs();
    }
    try {
      return DynamicConfig.fromMap(c.config(), "store: config key");
    } catch (ConfigException e) {
      return svc.bootstrapDcs();
    }
  }

  private Response pollFailover(String oldLeader, String candidate, String action) {
    long deadline = System.nanoTime() + svc.switchoverWait().toNanos();
    String verb = action.equals("switchover") ? "switched" : "failed";
    while (System.nanoTime() < deadline) {
      sleep(100);
      Cluster c;
      try {
        c = store().load(ReadMode.LINEARIZABLE);
      } catch (StoreException e) {
        continue;
      }
      if (c.leader() != null && !c.leader().name().equals(oldLeader)) {
        String now = c.leader().name();
        if (candidate == null || candidate.equals(now)) {
          return Response.text(200, "Successfully " + verb + " over to \"" + now + "\"");
        }
        return Response.text(
            200, title(verb) + " over to \"" + now + "\" instead of \"" + candidate + "\"");
      }
      if (c.failover() == null) {
        return Response.text(503, title(action) + " failed");
      }
    }
    return Response.text(
        503,
        title(action)
            + " status unknown after "
            + svc.switchoverWait().toSeconds()
            + " seconds; operation may still be in progress");
  }

  private Response deleteSwitchover(Request r) {
    Body.object(r, true, Set.of());
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    FailoverRequest f = c.failover();
    if (f == null || f.scheduledAt() == null) {
      return Response.text(404, "no switchover is scheduled");
    }
    if (!store().clearFailover(f.revision())) {
      return Response.text(409, "the scheduled switchover changed meanwhile; nothing was deleted");
    }
    return Response.text(200, "scheduled switchover deleted");
  }

  /** Patroni's parse_schedule: a time zone is mandatory (400); unparsable or past is 422. */
  static OffsetDateTime parseSchedule(String text, String action) {
    TemporalAccessor t;
    try {
      t =
          new java.time.format.DateTimeFormatterBuilder()
              .parseCaseInsensitive()
              .append(DateTimeFormatter.ISO_LOCAL_DATE)
              .optionalStart()
              .appendLiteral('T')
              .optionalEnd()
              .optionalStart()
              .appendLiteral(' ')
              .optionalEnd()
              .append(DateTimeFormatter.ISO_LOCAL_TIME)
              .optionalStart()
              .appendOffset("+HH:MM:ss", "Z")
              .optionalEnd()
              .optionalStart()
              .appendOffset("+HHmm", "Z")
              .optionalEnd()
              .optionalStart()
              .appendOffset("+HH", "Z")
              .optionalEnd()
              .toFormatter(Locale.ROOT)
              .parseBest(text.trim(), ZonedDateTime::from, LocalDateTime::from);
    } catch (DateTimeParseException e) {
      throw new Body.Reject(
          422,
          "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601");
    }
    if (!(t instanceof ZonedDateTime z)) {
      throw new Body.Reject(400, "Timezone information is mandatory for the scheduled " + action);
    }
    OffsetDateTime at = z.toOffsetDateTime();
    if (at.isBefore(OffsetDateTime.now())) {
      throw new Body.Reject(422, "Cannot schedule " + action + " in the past");
    }
    return at;
  }

  private Response restart(Request r) {
    Map<String, Object> body = Body.object(r, true, null);
    Cluster c = clusterOrLast();
    if (c != null && c.paused() && body.containsKey("schedule")) {
      return Response.text(500, "Can't schedule restart in the paused state");
    }
    String role = null;
    boolean pending = false;
    Integer version = null;
    Duration timeout = null;
    OffsetDateTime schedule = null;
    for (Map.Entry<String, Object> e : body.entrySet()) {
      String k = e.getKey();
      switch (k) {
        case "schedule" -> {
          String s = Body.string(body, k);
          schedule = s == null ? null : parseSchedule(s, "restart");
        }
        case "role" -> {
          String v = Body.string(body, k);
          if (v != null && v.equals("master")) {
            v = "primary";
          }
          if (v != null && !Set.of("primary", "standby_leader", "replica").contains(v)) {
            throw Body.bad("PostgreSQL role should be either primary, standby_leader, or replica");
          }
          role = v;
        }
        case "postgres_version" -> version = postgresVersion(e.getValue());
        case "timeout" -> timeout = positiveSeconds(e.getValue());
        case "restart_pending" -> pending = e.getValue() == null || Body.bool(body, k);
        default -> throw Body.bad("Unknown filter for the scheduled restart: " + k);
      }
    }
    ManualRequests.RestartSpec spec =
        new ManualRequests.RestartSpec(role, pending, version, timeout, schedule);
    if (schedule != null) {
      return manual().schedule(spec)
          ? Response.text(202, "Restart scheduled")
          : Response.text(409, "Another restart is already scheduled");
    }
    Duration wait =
        (timeout != null
                ? timeout
                : c == null
                    ? svc.bootstrapDcs().primaryStartTimeout()
                    : dynamicOf(c).primaryStartTimeout())
            .plusSeconds(120);
    ManualRequests.Outcome o = await(manual().restart(spec), wait, "restart");
    return Response.text(o.ok() ? 200 : 503, o.message());
  }

  /** "15.2" → 150002, "9.6.3" → 90603, as Patroni's postgres_version_to_int. */
  static int postgresVersion(Object v) {
    String s = String.valueOf(v).trim();
    String[] parts = s.split("\\.");
    try {
      if (parts.length == 2 && Integer.parseInt(parts[0]) >= 10) {
        return Integer.parseInt(parts[0]) * 10000 + Integer.parseInt(parts[1]);
      }
      if (parts.length == 3 && Integer.parseInt(parts[0]) < 10) {
        return Integer.parseInt(parts[0]) * 10000
            + Integer.parseInt(parts[1]) * 100
            + Integer.parseInt(parts[2]);
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw Body.bad(
        "postgres_version \"" + s + "\" is not a PostgreSQL version (e.g. 15.2 or 9.6.24)");
  }

  private static Duration positiveSeconds(Object v) {
    Double secs = null;
    if (v instanceof Number n) {
      secs = n.doubleValue();
    } else if (v instanceof String s) {
      try {
        secs = Units.parseSeconds(s);
      } catch (RuntimeException e) {
        secs = null;
      }
    }
    if (secs == null || secs <= 0) {
      throw Body.bad("Timeout should be a positive number of seconds");
    }
    return Duration.ofMillis(Math.round(secs * 1000));
  }

  private Response deleteRestart(Request r) {
    Body.object(r, true, Set.of());
    return manual().cancelScheduled()
        ? Response.text(200, "scheduled restart deleted")
        : Response.text(404, "no restarts are scheduled");
  }

  private Response reload(Request r) {
    Body.object(r, true, Set.of());
    manual().reload();
    return Response.text(202, "reload scheduled");
  }

  private Response reinitialize(Request r) {
    Map<String, Object> body = Body.object(r, true, Set.of("force", "from_leader"));
    boolean force = Body.bool(body, "force");
    boolean fromLeader = Body.bool(body, "from_leader");
    ManualRequests m = manual();
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    if (c.isUnlocked()) {
      return Response.text(503, "Cluster has no leader, can not reinitialize");
    }
    if (Objects.equals(c.leader().name(), svc.name())) {
      return Response.text(503, "I am the leader, can not reinitialize");
    }
    ManualRequests.Outcome o =
        await(m.reinitialize(force, fromLeader), Duration.ofMinutes(5), "reinitialize");
    return Response.text(o.ok() ? 200 : 503, o.message());
  }

  private Response raftMembers(Request r, boolean add) {
    Map<String, Object> body = Body.object(r, false, Set.of("name", "raft_addr"));
    String addr = Body.string(body, "raft_addr");
    String name = Body.string(body, "name");
    if (addr == null || addr.isBlank()) {
      throw Body.bad("field \"raft_addr\" (host:port of the peer's Raft endpoint) is required");
    }
    if (svc.raft() == null) {
      return Response.text(503, "this node has no Raft store");
    }
    try {
      if (add) {
        svc.raft().addPeer(addr.trim());
      } else {
        svc.raft().removePeer(addr.trim());
      }
    } catch (IllegalArgumentException e) {
      throw Body.bad(e.getMessage());
    } catch (StoreException e) {
      int code = e.kind() == StoreException.Kind.REJECTED ? 409 : 503;
      return Response.text(code, e.getMessage());
    }
    LOG.info(
        "Raft membership: {} peer {}{}",
        add ? "added" : "removed",
        addr,
        name == null ? "" : " (" + name + ")");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("result", add ? "added" : "removed");
    out.put("raft_addr", addr.trim());
    if (name != null) {
      out.put("name", name);
    }
    return Response.json(200, write(out));
  }

  private Response removeCluster(Request r) {
    Map<String, Object> body = Body.object(r, false, Set.of("scope"));
    String scope = Body.string(body, "scope");
    if (!svc.scope().equals(scope)) {
      throw Body.bad("field \"scope\" must name this cluster (" + svc.scope() + "), got " + scope);
    }
    store().deleteCluster();
    LOG.warn("cluster {} removed from the store through the REST API", scope);
    return Response.text(200, "cluster " + scope + " removed from the store");
  }

  // ------------------------------------------------------------------------------- helpers

  private static ManualRequests.Outcome await(
      CompletableFuture<ManualRequests.Outcome> f, Duration wait, String what) {
    try {
      return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return new ManualRequests.Outcome(
          false,
          what + " did not finish within " + wait.toSeconds() + " s; it may still be in progress");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new ManualRequests.Outcome(false, what + ": interrupted");
    } catch (ExecutionException e) {
      return new ManualRequests.Outcome(false, what + " failed: " + e.getCause());
    }
  }

  private static String title(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

  static String write(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
