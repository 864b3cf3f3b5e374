package io.synod.engine.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.Units;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.Lsn;
import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Patroni's REST API (api.py): the same paths, query parameters and status codes, so HAProxy
 * health checks and scripts written for Patroni work unchanged. Reads only the last loop's
 * {@link NodeStatus}: a health check never touches PostgreSQL or the store.
 */
public final class RestApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String scope;
  private final Map<String, Object> tags;
  private final Supplier<NodeStatus> status;
  private final long maximumLagDefault;
  private final double ttlSeconds;

  public RestApi(String scope, Map<String, Object> tags, Supplier<NodeStatus> status, long maximumLagDefault, double ttlSeconds) {
    this.scope = scope;
    this.tags = tags;
    this.status = status;
    this.maximumLagDefault = maximumLagDefault;
    this.ttlSeconds = ttlSeconds;
  }

  public Response handle(Request r) {
    String m = r.method();
    if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) {
      return get(r);
    }
    return Response.text(501, "not implemented: " + m + " " + r.path());
  }

  private Response get(Request r) {
    NodeStatus s = status.get();
    if (s == null) {
      return Response.json(503, "{\"state\":\"starting\"}");
    }
    String path = r.path().replaceAll("/+$", "");
    return switch (path) {
      case "/patroni" -> Response.json(200, write(patroni(s)));
      case "/cluster" -> Response.json(200, write(cluster(s)));
      case "/history" -> Response.json(200, write(s.cluster() == null ? List.of() : s.cluster().history()));
      case "/config" -> s.cluster() == null || s.cluster().config().isEmpty()
          ? Response.text(502, "no dynamic configuration in the store")
          : Response.json(200, write(s.cluster().config()));
      default -> health(path, r, s);
    };
  }

  /** Health checks: 200 when the condition holds, 503 otherwise, body = /patroni's document. */
  private Response health(String path, Request r, NodeStatus s) {
    boolean ok;
    switch (path) {
      case "", "/primary", "/read-write", "/master" -> ok = s.isLeader() && s.pg().isPrimary();
      case "/leader" -> ok = s.isLeader() && s.pg().isPrimary();
      case "/standby-leader", "/standby_leader" -> ok = false; // standby clusters are not supported yet
      case "/replica" -> ok = replicaOk(r, s);
      case "/read-only" -> ok = (s.isLeader() && s.pg().isPrimary()) || replicaOk(r, s);
      case "/sync", "/synchronous" -> ok = replicaOk(r, s) && isSync(s);
      case "/async", "/asynchronous" -> ok = replicaOk(r, s) && !isSync(s);
      case "/read-only-sync", "/read-only-synchronous" -> ok = (s.isLeader() && s.pg().isPrimary()) || (replicaOk(r, s) && isSync(s));
      case "/health" -> ok = s.pg().running() && s.pg().acceptingConnections();
      case "/liveness" -> ok = livenessOk(s);
      case "/readiness" -> ok = (s.isLeader() && s.pg().isPrimary()) || (replicaOk(r, s) && s.pg().isStreaming());
      default -> {
        return Response.text(404, "no such endpoint: " + r.path());
      }
    }
    return Response.json(ok ? 200 : 503, write(patroni(s)));
  }

  private boolean replicaOk(Request r, NodeStatus s) {
    PgState pg = s.pg();
    if (!pg.isReplica() || s.isLeader()) {
      return false;
    }
    if (Boolean.TRUE.equals(tags.get("noloadbalance"))) {
      return false;
    }
    String lag = r.param("lag");
    if (lag != null || r.path().startsWith("/readiness")) {
      long max;
      try {
        max = lag == null ? maximumLagDefault : Units.parseBytes(lag);
      } catch (RuntimeException e) {
        return false;
      }
      long leaderOptime = s.cluster() == null ? 0 : s.cluster().optime();
      if (leaderOptime > 0 && leaderOptime - pg.walPosition() > max) {
        return false;
      }
    }
    String rs = r.param("replication_state");
    if (rs != null && !(rs.equals("streaming") ? pg.isStreaming() : !pg.isStreaming())) {
      return false;
    }
    for (Map.Entry<String, List<String>> q : r.query().entrySet()) {
      if (q.getKey().startsWith("tag_")) {
        Object have = tags.get(q.getKey().substring(4));
        if (have == null || !String.valueOf(have).equals(q.getValue().get(0))) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isSync(NodeStatus s) {
    return s.cluster() != null && s.cluster().sync() != null && s.cluster().sync().syncStandby().contains(s.name());
  }

  private boolean livenessOk(NodeStatus s) {
    if (s.cluster() != null && s.cluster().paused()) {
      return true;
    }
    double limit = (s.isLeader() ? 1 : 2) * ttlSeconds;
    return java.time.Duration.between(s.lastLoop(), java.time.Instant.now()).toMillis() < limit * 1000;
  }

  Map<String, Object> patroni(NodeStatus s) {
    PgState pg = s.pg();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", s.state());
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
        x.put("paused", false);
      } else {
        x.put("location", pg.currentLsn());
      }
      m.put("xlog", x);
      m.put("timeline", pg.timeline());
      if (pg.isStreaming()) {
        m.put("replication_state", "streaming");
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
    if (s.cluster() != null && s.cluster().paused()) {
      m.put("pause", true);
    }
    if (s.dcsLastSeen() != null) {
      m.put("dcs_last_seen", s.dcsLastSeen().getEpochSecond());
    }
    if (!tags.isEmpty()) {
      m.put("tags", tags);
    }
    if (pg.sysid() != null) {
      m.put("database_system_identifier", pg.sysid());
    }
    m.put("patroni", Map.of("version", "synod-0.1.0", "scope", scope, "name", s.name()));
    Map<String, Object> synod = new LinkedHashMap<>();
    synod.put("decision", s.decision() == null ? null : s.decision().reason());
    synod.put("lease_remaining_ms", s.leaseRemainingMs());
    if (s.storeError() != null) {
      synod.put("store_error", s.storeError());
    }
    m.put("synod", synod);
    return m;
  }

  private Map<String, Object> cluster(NodeStatus s) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> members = new ArrayList<>();
    Cluster c = s.cluster();
    if (c != null) {
      for (Member mem : c.members().values()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", mem.name());
        boolean leads = c.leader() != null && c.leader().name().equals(mem.name());
        m.put("role", leads ? "leader" : ("primary".equals(mem.role()) ? "replica" : mem.role() == null ? "replica" : mem.role()));
        m.put("state", mem.state());
        m.put("api_url", mem.apiUrl());
        try {
          java.net.URI u = java.net.URI.create(mem.connUrl());
          m.put("host", u.getHost());
          m.put("port", u.getPort());
        } catch (RuntimeException e) {
          // no conn_url yet
        }
        m.put("timeline", mem.timeline());
        if (!mem.tags().isEmpty()) {
          m.put("tags", mem.tags());
        }
        if (!leads && c.optime() > 0 && mem.data().containsKey("xlog_location")) {
          m.put("lag", Math.max(0, c.optime() - mem.xlogLocation()));
        }
        Object rl = mem.data().get("receive_lsn");
        if (rl != null) {
          m.put("receive_lsn", rl);
          m.put("replay_lsn", mem.data().get("replay_lsn"));
        }
        members.add(m);
      }
      if (c.failover() != null && c.failover().scheduledAt() != null) {
        Map<String, Object> sw = new LinkedHashMap<>();
        sw.put("at", c.failover().scheduledAt().toString());
        sw.put("from", c.failover().leader());
        sw.put("to", c.failover().candidate());
        out.put("scheduled_switchover", sw);
      }
      if (c.paused()) {
        out.put("pause", true);
      }
    }
    out.put("members", members);
    out.put("scope", scope);
    return out;
  }

  static String write(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String lsn(long l) {
    return Lsn.format(l);
  }
}
