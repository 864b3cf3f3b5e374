package io.synod.engine.api;

import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import io.synod.config.Maps;
import io.synod.config.SynchronousMode;
import io.synod.config.Units;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.ha.WitnessRequests;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Member;
import io.synod.store.kv.Expect;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's actions, as Patroni's do_POST_* / do_PATCH_config / ...: switchover and failover
 * (written to the failover key for the HA loop), dynamic configuration (PATCH/PUT /config with
 * revision checks), restart / reinitialize / reload (queued for the HA loop through {@link
 * ManualRequests}, never run beside it), Raft membership and cluster removal. {@link RestApi} has
 * already checked the access rules; a {@link Body.Reject} thrown here becomes its status.
 */
final class Actions {
  // Logged under RestApi, where these lines have always been.
  private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);

  private final RestApi.Services svc;

  Actions(RestApi.Services svc) {
    this.svc = svc;
  }

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

  Response patchConfig(Request r) {
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
      if (!store().setConfig(merged, Expect.revision(c.configRevision()))) {
        return Response.text(
            409,
            "the configuration changed concurrently (it was at revision "
                + c.configRevision()
                + "); nothing was written: read it again and retry");
      }
      LOG.info("dynamic configuration patched through the REST API: {}", Response.toJson(patch));
    }
    svc.wakeUp().run();
    return Response.document(200, merged);
  }

  Response putConfig(Request r) {
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
      if (!store().setConfig(body, expected == null ? Expect.ANY : Expect.revision(expected))) {
        return expected == null
            ? Response.text(502, "writing the config key failed")
            : Response.text(409, "the configuration changed concurrently; nothing was written");
      }
      LOG.info("dynamic configuration replaced through the REST API");
    }
    svc.wakeUp().run();
    return Response.document(200, body);
  }

  private static void validate(Map<String, Object> config, String origin) {
    try {
      DynamicConfig.fromMap(config, origin);
    } catch (ConfigException e) {
      throw Body.bad(
          "invalid configuration, nothing was changed: " + String.join("; ", e.problems()));
    }
  }

  Response failover(Request r, String requested) {
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
    if (isStandbyCluster(c)) {
      // the standby leader would have to hand over replication from the remote, not promote
      return Response.text(
          412,
          action
              + " is not possible in a standby cluster yet: promote it first"
              + " (synodctl promote-cluster), or stop the standby leader to fail over");
    }
    Member named = candidate == null ? null : c.member(candidate);
    if (named != null && named.isWitness()) { // now or scheduled: it can never lead
      return Response.text(
          412,
          action
              + " is not possible: candidate "
              + candidate
              + " is a witness (a Raft voter without a database); it can never be the leader");
    }
    if (at == null) {
      String why = failoverImpossible(c, leader, candidate, action);
      if (why != null) {
        return Response.text(412, why);
      }
    }
    if (!store().setFailover(new FailoverRequest(leader, candidate, at, 0), Expect.ANY)) {
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
    DynamicConfig d = inForce();
    boolean sync = d.synchronousMode() != SynchronousMode.OFF;
    List<Member> candidates = new ArrayList<>();
    if (candidate != null) {
      Member m = c.member(candidate);
      if (action.equals("switchover") && sync && c.syncRole(candidate) == null) {
        return "candidate name does not match with sync_standby";
      }
      if (m == null) {
        return "candidate does not exists";
      }
      candidates.add(m);
    } else if (sync) {
      for (Member m : c.members().values()) {
        if (c.syncRole(m.name()) != null) {
          candidates.add(m);
        }
      }
      if (candidates.isEmpty()) {
        return action + " is not possible: can not find sync_standby";
      }
    } else {
      for (Member m : c.members().values()) {
        if ((c.leader() == null || !m.name().equals(c.leader().name()))
            && m.apiUrl() != null
            && !m.isWitness()) {
          candidates.add(m);
        }
      }
      if (candidates.isEmpty()) {
        return action + " is not possible: cluster does not have members except leader";
      }
    }
    String why = action + " is not possible: no good candidates have been found";
    for (Member m : candidates) {
      if (!m.isRunning() || m.noFailover()) {
        continue;
      }
      // A synchronous standby has every acknowledged commit; others must be within the lag bound.
      long lag = c.optime() - m.xlogLocation();
      if (!sync && c.leader() != null && c.optime() > 0 && lag > d.maximumLagOnFailover()) {
        why =
            "candidate "
                + m.name()
                + " lags by "
                + lag
                + " bytes, more than maximum_lag_on_failover ("
                + d.maximumLagOnFailover()
                + ")";
        continue;
      }
      return null;
    }
    return why;
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

  Response deleteSwitchover(Request r) {
    Body.object(r, true, Set.of());
    Cluster c = store().load(ReadMode.LINEARIZABLE);
    FailoverRequest f = c.failover();
    if (f == null || f.scheduledAt() == null) {
      return Response.text(404, "no switchover is scheduled");
    }
    if (!store().clearFailover(Expect.revision(f.revision()))) {
      return Response.text(409, "the scheduled switchover changed meanwhile; nothing was deleted");
    }
    return Response.text(200, "scheduled switchover deleted");
  }

  /** Patroni's parse_schedule: a time zone is mandatory (400); unparsable or past is 422. */
  static OffsetDateTime parseSchedule(String text, String action) {
    TemporalAccessor t;
    try {
      t =
          new DateTimeFormatterBuilder()
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

  Response restart(Request r) {
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
    io.synod.engine.ha.NodeStatus st = svc.status().get();
    if (schedule != null && st != null && "witness".equals(st.role())) {
      // refused now rather than when it falls due (an immediate one the witness refuses itself)
      return Response.text(503, WitnessRequests.NO_DATABASE + "there is no PostgreSQL to restart");
    }
    if (schedule != null) {
      return manual().schedule(spec)
          ? Response.text(202, "Restart scheduled")
          : Response.text(409, "Another restart is already scheduled");
    }
    Duration wait = (timeout != null ? timeout : inForce().primaryStartTimeout()).plusSeconds(120);
    ManualRequests.Outcome o = await(manual().restart(spec), wait, "restart");
    return Response.text(o.ok() ? 200 : 503, o.message());
  }

  /** The dynamic configuration the HA loop runs with (it publishes it), else bootstrap.dcs. */
  private DynamicConfig inForce() {
    io.synod.engine.ha.NodeStatus s = svc.status().get();
    return s != null && s.dynamic() != null ? s.dynamic() : svc.bootstrapDcs();
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

  Response deleteRestart(Request r) {
    Body.object(r, true, Set.of());
    return manual().cancelScheduled()
        ? Response.text(200, "scheduled restart deleted")
        : Response.text(404, "no restarts are scheduled");
  }

  Response reload(Request r) {
    Body.object(r, true, Set.of());
    manual().reload();
    return Response.text(202, "reload scheduled");
  }

  Response reinitialize(Request r) {
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

  Response raftMembers(Request r, boolean add) {
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
    return Response.document(200, out);
  }

  Response removeCluster(Request r) {
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

  /** The store's dynamic configuration has a non-empty standby_cluster. */
  private static boolean isStandbyCluster(Cluster c) {
    Object sc = c.config().get("standby_cluster");
    return sc instanceof java.util.Map<?, ?> m && !m.isEmpty();
  }
}
