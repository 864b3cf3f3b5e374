package io.synod.engine.api;

import io.synod.config.Units;
import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The health checks load balancers call (HAProxy's {@code option httpchk GET /primary}), as
 * Patroni's do_GET_*: pure functions of the node's {@link NodeView} and the query, answering the
 * HTTP status. They read only the last HA loop's status (never PostgreSQL or the store), so they
 * answer in microseconds even while the store or PostgreSQL is slow. The response body (the
 * /patroni document) is the caller's.
 */
final class HealthChecks {
  /** Every health-check path, as Patroni serves them; "" and "/" mean /primary. */
  static final List<String> PATHS =
      List.of(
          "",
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
          "/health");

  private HealthChecks() {}

  /**
   * 200 when the condition named by {@code path} holds, 503 otherwise. {@code tag_*} parameters
   * must all match this node's tags, except on the leader checks (/primary, /leader,
   * /standby-leader); {@code lag} (bytes or a unit) and {@code replication_state} qualify the
   * replica checks.
   *
   * @param path one of {@link #PATHS}
   */
  static int check(String path, NodeView v, Map<String, List<String>> query) {
    if (!PATHS.contains(path)) {
      throw new IllegalArgumentException("not a health check: " + path);
    }
    if (v.witness()) {
      return 503; // every check asks about a database, and a witness serves none
    }
    PgState pg = v.status().pg();
    Cluster c = v.status().cluster();
    boolean running = v.running();

    long leaderOptime = c == null ? 0 : c.optime();
    Long maxLag = lagParam(param(query, "lag"));
    boolean lagging = maxLag != null && leaderOptime > 0 && leaderOptime > pg.replayLsn() + maxLag;
    String wantedState = param(query, "replication_state");
    boolean stateMatches = wantedState == null || wantedState.equals(v.replicationState());
    int replica =
        !v.tags().noloadbalance()
                && !lagging
                && "replica".equals(v.status().role())
                && running
                && stateMatches
            ? 200
            : 503;

    // Stricter than Patroni: the lock holder must also run PostgreSQL as a primary, so HAProxy
    // never sends writes to a node that is still promoting or has just crashed.
    int leader = v.holdsLock() ? 200 : 503;
    int primary = v.holdsLock() && pg.isPrimary() ? 200 : 503;
    // the lock holder of a standby cluster, serving as a standby of the remote primary
    int standbyLeader =
        v.holdsLock()
                && pg.running()
                && pg.acceptingConnections()
                && pg.inRecovery()
                && v.dynamic().standby() != null
            ? 200
            : 503;
    boolean sync = v.isSync();
    boolean quorum = v.isQuorum();

    int code;
    boolean ignoreTags = false;
    switch (path) {
      case "", "/", "/primary", "/read-write", "/master" -> {
        code = primary;
        ignoreTags = true;
      }
      case "/leader" -> {
        code = leader;
        ignoreTags = true;
      }
      case "/standby-leader", "/standby_leader" -> {
        code = standbyLeader;
        ignoreTags = true;
      }
      case "/replica" -> code = replica;
      case "/read-only" -> code = primary == 200 || standbyLeader == 200 ? 200 : replica;
      case "/health" -> code = running ? 200 : 503;
      // The sync-standby checks need the cluster view: 503 while the store is unreachable.
      case "/sync", "/synchronous" -> code = c != null && sync ? replica : 503;
      case "/async", "/asynchronous" -> code = c != null && !sync && !quorum ? replica : 503;
      case "/quorum" -> code = c != null && quorum ? replica : 503;
      case "/read-only-quorum" ->
          code = c == null ? 503 : primary == 200 ? 200 : quorum ? replica : 503;
      case "/read-only-sync", "/read-only-synchronous" ->
          code = c == null ? 503 : primary == 200 ? 200 : sync ? replica : 503;
      default -> throw new IllegalArgumentException("not a health check: " + path);
    }
    if (!ignoreTags && code == 200 && !tagsMatch(v, query)) {
      code = 503;
    }
    return code;
  }

  /**
   * GET /liveness: the HA loop ran within ttl (a primary) or 2 x ttl (a replica); always while the
   * cluster is paused.
   */
  static int liveness(NodeView v, Instant now) {
    if (v.status().cluster() != null && v.status().cluster().paused()) {
      return 200;
    }
    boolean primary = v.status().pg().isPrimary();
    double limit = (primary ? 1 : 2) * v.dynamic().ttlSeconds();
    return Duration.between(v.status().lastLoop(), now).toMillis() < limit * 1000 ? 200 : 503;
  }

  /**
   * GET /readiness, as Patroni 4.1's: null when ready (the lock holder, or a streaming replica
   * within {@code lag}, default maximum_lag_on_failover; {@code mode=write} measures the receive
   * position instead of replay), else why not.
   */
  static String readiness(NodeView v, Map<String, List<String>> query) {
    if (v.holdsLock()) {
      return null;
    }
    PgState pg = v.status().pg();
    Cluster c = v.status().cluster();
    if (!v.running()) {
      return "PostgreSQL is not running";
    }
    if (!pg.isStreaming()) {
      return "PostgreSQL replication state is not streaming";
    }
    if (c == null) {
      return "DCS is not accessible";
    }
    boolean write = "write".equals(param(query, "mode"));
    long location = write ? pg.receiveLsn() : pg.replayLsn();
    long lag = c.optime() - location;
    Long max = lagParam(param(query, "lag"));
    long limit = max != null ? max : v.dynamic().maximumLagOnFailover();
    if (c.optime() > 0 && lag > limit) {
      return "Replication "
          + (write ? "write" : "apply")
          + " lag "
          + lag
          + " exceeds maximum allowable "
          + limit;
    }
    return null;
  }

  /**
   * GET /readiness on a witness: null (ready) when its Raft peer runs, whatever its role in the
   * group (leader, follower, or a candidate in an election it takes part in); else why not.
   *
   * @param raftState jraft's node state (STATE_FOLLOWER, ...), null when unknown
   */
  static String witnessReadiness(String raftState) {
    if (raftState != null
        && List.of("STATE_LEADER", "STATE_TRANSFERRING", "STATE_CANDIDATE", "STATE_FOLLOWER")
            .contains(raftState)) {
      return null;
    }
    return "witness: the Raft peer is not running (state " + raftState + ")";
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

  /** Every {@code tag_<name>=<value>} of the query names a tag this node has, with that value. */
  private static boolean tagsMatch(NodeView v, Map<String, List<String>> query) {
    for (Map.Entry<String, List<String>> q : query.entrySet()) {
      if (!q.getKey().startsWith("tag_") || q.getValue().isEmpty()) {
        continue;
      }
      Object have = v.tags().asMap().get(q.getKey().substring(4));
      if (have == null) {
        return false;
      }
      String s = have instanceof String str ? str : String.valueOf(have).toLowerCase(Locale.ROOT);
      if (!s.equals(q.getValue().get(0))) {
        return false;
      }
    }
    return true;
  }

  private static String param(Map<String, List<String>> query, String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
