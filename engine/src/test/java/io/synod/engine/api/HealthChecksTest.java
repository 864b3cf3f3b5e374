package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.synod.config.DynamicConfig;
import io.synod.config.Tags;
import io.synod.engine.ha.Action;
import io.synod.engine.ha.Decision;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Leader;
import io.synod.store.cluster.SyncState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each health check answers, for each kind of node: one row per (node, request). The nodes are
 * named in {@link #NODES}; node1 holds the leader key unless the store is down.
 */
class HealthChecksTest {
  private static final long MB = 1024 * 1024;
  private static final long OPTIME = 50 * MB;
  private static final Instant NOW = Instant.parse("2030-01-01T00:10:00Z");

  private static final Map<String, Supplier<NodeView>> NODES = new LinkedHashMap<>();

  static {
    Map<String, Object> noTags = Map.of();
    Map<String, Object> zoneA = Map.of("zone", "a", "nosync", true);
    Map<String, Object> syncOn = Map.of("synchronous_mode", true);
    SyncState node2IsSync = new SyncState("node1", List.of("node2"), 1, 3);

    NODES.put(
        "leader", () -> node("node1", primary(), cluster(Map.of(), null), true, "primary", noTags));
    NODES.put(
        "leader in synchronous mode",
        () -> node("node1", primary(), cluster(syncOn, node2IsSync), true, "primary", noTags));
    NODES.put(
        "leader still promoting",
        () ->
            node("node1", replica(OPTIME, true), cluster(Map.of(), null), true, "replica", noTags));
    NODES.put(
        "leader, store down, lease held",
        () -> node("node1", primary(), null, true, "primary", noTags));
    NODES.put(
        "leader, store down, lease gone",
        () -> node("node1", primary(), null, false, "primary", noTags));
    NODES.put(
        "replica",
        () ->
            node(
                "node2",
                replica(OPTIME - 100, true),
                cluster(Map.of(), null),
                false,
                "replica",
                zoneA));
    NODES.put(
        "replica not streaming",
        () ->
            node(
                "node2",
                replica(OPTIME - 100, false),
                cluster(Map.of(), null),
                false,
                "replica",
                zoneA));
    NODES.put(
        "replica 10MB behind",
        () ->
            node(
                "node2",
                replica(OPTIME - 10 * MB, true),
                cluster(Map.of(), null),
                false,
                "replica",
                zoneA));
    NODES.put(
        "replica with noloadbalance",
        () ->
            node(
                "node2",
                replica(OPTIME, true),
                cluster(Map.of(), null),
                false,
                "replica",
                Map.of("noloadbalance", true)));
    NODES.put(
        "sync replica",
        () ->
            node(
                "node2",
                replica(OPTIME, true),
                cluster(syncOn, node2IsSync),
                false,
                "replica",
                noTags));
    Map<String, Object> quorumOn = Map.of("synchronous_mode", "quorum");
    SyncState quorumOfTwo = new SyncState("node1", List.of("node2", "node3"), 2, 3);
    NODES.put(
        "quorum replica",
        () ->
            node(
                "node2",
                replica(OPTIME, true),
                cluster(quorumOn, quorumOfTwo),
                false,
                "replica",
                noTags));
    NODES.put(
        "replica in a sealed sync key",
        () ->
            node(
                "node2",
                replica(OPTIME, true),
                cluster(syncOn, new SyncState("node1", List.of("node2"), 2, 3)),
                false,
                "replica",
                noTags));
    NODES.put(
        "replica in the sync key, synchronous mode off",
        () ->
            node(
                "node2",
                replica(OPTIME, true),
                cluster(Map.of(), node2IsSync),
                false,
                "replica",
                noTags));
    NODES.put(
        "async replica in synchronous mode",
        () ->
            node(
                "node3",
                replica(OPTIME, true),
                cluster(syncOn, node2IsSync),
                false,
                "replica",
                noTags));
    NODES.put(
        "replica, store down",
        () -> node("node2", replica(OPTIME - 10 * MB, true), null, false, "replica", noTags));
    NODES.put(
        "replica, PostgreSQL stopped",
        () -> node("node2", stopped(), cluster(Map.of(), null), false, "replica", noTags));
    NODES.put(
        "witness",
        () ->
            withState(
                node(
                    "node3",
                    PgState.none("a witness has no database"),
                    cluster(Map.of(), null),
                    false,
                    "witness",
                    noTags),
                "running"));
    NODES.put(
        "replica being restarted",
        () ->
            withState(
                node(
                    "node2",
                    replica(OPTIME, true),
                    cluster(Map.of(), null),
                    false,
                    "replica",
                    noTags),
                "restarting"));
  }

  @ParameterizedTest(name = "{0}: GET {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          leader                                        | /                                        | 200
          leader                                        | /primary                                 | 200
          leader                                        | /read-write                              | 200
          leader                                        | /master                                  | 200
          leader                                        | /leader                                  | 200
          leader                                        | /read-only                               | 200
          leader                                        | /health                                  | 200
          leader                                        | /read-only-sync                          | 200
          leader                                        | /read-only-synchronous                   | 200
          leader                                        | /read-only-quorum                        | 200
          leader                                        | /primary?tag_zone=x                      | 200
          leader                                        | /leader?tag_zone=x                       | 200
          leader                                        | /read-only?tag_zone=x                    | 503
          leader                                        | /health?tag_zone=x                       | 503
          leader                                        | /replica                                 | 503
          leader                                        | /standby-leader                          | 503
          leader                                        | /standby_leader                          | 503
          leader                                        | /sync                                    | 503
          leader                                        | /synchronous                             | 503
          leader                                        | /async                                   | 503
          leader                                        | /asynchronous                            | 503
          leader                                        | /quorum                                  | 503
          leader in synchronous mode                    | /read-only-sync                          | 200
          leader in synchronous mode                    | /sync                                    | 503
          leader still promoting                        | /leader                                  | 200
          leader still promoting                        | /primary                                 | 503
          leader still promoting                        | /read-write                              | 503
          leader still promoting                        | /read-only-quorum                        | 503
          leader, store down, lease held                | /primary                                 | 200
          leader, store down, lease held                | /leader                                  | 200
          leader, store down, lease held                | /read-only                               | 200
          leader, store down, lease held                | /health                                  | 200
          leader, store down, lease held                | /replica                                 | 503
          leader, store down, lease held                | /read-only-sync                          | 503
          leader, store down, lease held                | /read-only-quorum                        | 503
          leader, store down, lease gone                | /primary                                 | 503
          leader, store down, lease gone                | /leader                                  | 503
          leader, store down, lease gone                | /read-only                               | 503
          leader, store down, lease gone                | /health                                  | 200
          witness                                       | /                                        | 503
          witness                                       | /primary                                 | 503
          witness                                       | /leader                                  | 503
          witness                                       | /replica                                 | 503
          witness                                       | /read-only                               | 503
          witness                                       | /health                                  | 503
          witness                                       | /sync                                    | 503
          witness                                       | /async                                   | 503
          witness                                       | /quorum                                  | 503
          witness                                       | /read-only-sync                          | 503
          witness                                       | /read-only-quorum                        | 503
          witness                                       | /standby-leader                          | 503
          witness                                       | /replica?tag_zone=a                      | 503
          replica                                       | /replica                                 | 200
          replica                                       | /read-only                               | 200
          replica                                       | /async                                   | 200
          replica                                       | /asynchronous                            | 200
          replica                                       | /health                                  | 200
          replica                                       | /                                        | 503
          replica                                       | /primary                                 | 503
          replica                                       | /read-write                              | 503
          replica                                       | /master                                  | 503
          replica                                       | /leader                                  | 503
          replica                                       | /standby-leader                          | 503
          replica                                       | /sync                                    | 503
          replica                                       | /synchronous                             | 503
          replica                                       | /read-only-sync                          | 503
          replica                                       | /read-only-quorum                        | 503
          replica                                       | /quorum                                  | 503
          replica                                       | /replica?lag=1MB                         | 200
          replica                                       | /replica?lag=100                         | 200
          replica                                       | /replica?lag=99                          | 503
          replica                                       | /replica?lag=1kB                         | 200
          replica                                       | /replica?lag=garbage                     | 200
          replica                                       | /async?lag=99                            | 503
          replica                                       | /read-only?lag=99                        | 503
          replica                                       | /replica?replication_state=streaming     | 200
          replica                                       | /replica?replication_state=in archive recovery | 503
          replica                                       | /replica?tag_zone=a                      | 200
          replica                                       | /replica?tag_nosync=true                 | 200
          replica                                       | /replica?tag_zone=a&tag_nosync=true      | 200
          replica                                       | /replica?tag_zone=b                      | 503
          replica                                       | /replica?tag_zone=A                      | 503
          replica                                       | /replica?tag_nosync=false                | 503
          replica                                       | /replica?tag_rack=1                      | 503
          replica                                       | /replica?tag_zone=a&tag_rack=1           | 503
          replica                                       | /read-only?tag_zone=b                    | 503
          replica                                       | /async?tag_zone=b                        | 503
          replica                                       | /health?tag_zone=b                       | 503
          replica                                       | /health?tag_zone=a                       | 200
          replica not streaming                         | /replica                                 | 200
          replica not streaming                         | /replica?replication_state=streaming     | 503
          replica not streaming                         | /replica?replication_state=in archive recovery | 200
          replica 10MB behind                           | /replica                                 | 200
          replica 10MB behind                           | /replica?lag=16MB                        | 200
          replica 10MB behind                           | /replica?lag=1MB                         | 503
          replica 10MB behind                           | /read-only?lag=1MB                       | 503
          replica 10MB behind                           | /async?lag=1MB                           | 503
          replica with noloadbalance                    | /replica                                 | 503
          replica with noloadbalance                    | /read-only                               | 503
          replica with noloadbalance                    | /async                                   | 503
          replica with noloadbalance                    | /health                                  | 200
          sync replica                                  | /sync                                    | 200
          sync replica                                  | /synchronous                             | 200
          sync replica                                  | /read-only-sync                          | 200
          sync replica                                  | /read-only-synchronous                   | 200
          sync replica                                  | /replica                                 | 200
          sync replica                                  | /async                                   | 503
          sync replica                                  | /asynchronous                            | 503
          sync replica                                  | /read-only-quorum                        | 503
          sync replica                                  | /quorum                                  | 503
          quorum replica                                | /quorum                                  | 200
          quorum replica                                | /read-only-quorum                        | 200
          quorum replica                                | /sync                                    | 503
          quorum replica                                | /read-only-sync                          | 503
          quorum replica                                | /async                                   | 503
          quorum replica                                | /replica                                 | 200
          replica in a sealed sync key                  | /sync                                    | 503
          replica in a sealed sync key                  | /async                                   | 200
          replica in the sync key, synchronous mode off | /sync                                    | 503
          replica in the sync key, synchronous mode off | /async                                   | 200
          async replica in synchronous mode             | /sync                                    | 503
          async replica in synchronous mode             | /read-only-sync                          | 503
          async replica in synchronous mode             | /async                                   | 200
          replica, store down                           | /replica                                 | 200
          replica, store down                           | /replica?lag=1                           | 200
          replica, store down                           | /read-only                               | 200
          replica, store down                           | /health                                  | 200
          replica, store down                           | /sync                                    | 503
          replica, store down                           | /async                                   | 503
          replica, store down                           | /read-only-sync                          | 503
          replica, store down                           | /read-only-quorum                        | 503
          replica, PostgreSQL stopped                   | /replica                                 | 503
          replica, PostgreSQL stopped                   | /read-only                               | 503
          replica, PostgreSQL stopped                   | /health                                  | 503
          replica, PostgreSQL stopped                   | /async                                   | 503
          replica being restarted                       | /replica                                 | 503
          replica being restarted                       | /health                                  | 503
          """)
  void answers(String node, String request, int expected) {
    NodeView v = NODES.get(node).get();
    if (v == null) {
      throw new IllegalArgumentException("no node named " + node);
    }
    int q = request.indexOf('?');
    String path = q < 0 ? request : request.substring(0, q);
    assertEquals(
        expected, HealthChecks.check(path, v, query(q < 0 ? "" : request.substring(q + 1))));
  }

  @Test
  void everyPathIsACheckAndNothingElseIs() {
    NodeView v = NODES.get("leader").get();
    for (String p : HealthChecks.PATHS) {
      HealthChecks.check(p, v, Map.of());
    }
    try {
      HealthChecks.check("/patroni", v, Map.of());
      throw new AssertionError("/patroni is not a health check");
    } catch (IllegalArgumentException expected) {
      // as it should
    }
  }

  @ParameterizedTest(name = "{0}, last loop {1} ms ago -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          leader                     | 1000 | 200
          leader                     | 2500 | 503
          replica                    | 2500 | 200
          replica                    | 4500 | 503
          replica, PostgreSQL stopped | 2000 | 200
          """)
  void livenessAllowsOneTtlOnAPrimaryAndTwoOnAReplica(String node, long ago, int expected) {
    NodeView v = lastLoop(NODES.get(node).get(), NOW.minusMillis(ago));
    assertEquals(expected, HealthChecks.liveness(v, NOW));
  }

  @Test
  void livenessHoldsWhileTheClusterIsPaused() {
    NodeView v =
        lastLoop(
            node(
                "node1",
                primary(),
                cluster(Map.of("pause", true), null),
                true,
                "primary",
                Map.of()),
            NOW.minusSeconds(60));
    assertEquals(200, HealthChecks.liveness(v, NOW));
  }

  @ParameterizedTest(name = "{0}: GET /readiness{1} -> {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "ready",
      textBlock =
          """
          leader                         |                | ready
          leader, store down, lease held |                | ready
          replica                        |                | ready
          replica 10MB behind            |                | Replication apply lag 10485760 exceeds maximum allowable 1048576
          replica 10MB behind            | ?lag=16MB      | ready
          replica 10MB behind            | ?mode=write    | ready
          replica not streaming          |                | PostgreSQL replication state is not streaming
          replica, PostgreSQL stopped    |                | PostgreSQL is not running
          replica being restarted        |                | PostgreSQL is not running
          replica, store down            |                | DCS is not accessible
          leader, store down, lease gone |                | PostgreSQL replication state is not streaming
          """)
  void readiness(String node, String query, String expected) {
    NodeView v = NODES.get(node).get();
    String q = query == null ? "" : query.substring(1);
    String why = HealthChecks.readiness(v, query(q));
    if (expected == null) {
      assertNull(why);
    } else {
      assertEquals(expected, why);
    }
  }

  // ------------------------------------------------------------------------------- nodes

  private static NodeView node(
      String name,
      PgState pg,
      Cluster c,
      boolean leaseHeld,
      String role,
      Map<String, Object> tags) {
    NodeStatus s =
        new NodeStatus(
            name,
            pg,
            c,
            c == null ? "NO_QUORUM: test" : null,
            new Decision(Action.NONE, null, "test"),
            leaseHeld,
            leaseHeld ? 1500 : 0,
            NOW,
            NOW,
            role,
            pg.running() ? "running" : "stopped");
    // the settings the loop runs with: the config key as read, else bootstrap.dcs
    DynamicConfig d =
        c == null || c.config().isEmpty()
            ? DynamicConfig.defaults()
            : DynamicConfig.fromMap(c.config(), "test: config key");
    return new NodeView(s, s.state(), Tags.fromMap(tags, "test: tags"), d);
  }

  private static NodeView withState(NodeView v, String state) {
    return new NodeView(v.status(), state, v.tags(), v.dynamic());
  }

  private static NodeView lastLoop(NodeView v, Instant when) {
    NodeStatus s = v.status();
    NodeStatus t =
        new NodeStatus(
            s.name(),
            s.pg(),
            s.cluster(),
            s.storeError(),
            s.decision(),
            s.leaseHeld(),
            s.leaseRemainingMs(),
            when,
            s.dcsLastSeen(),
            s.role(),
            s.state());
    return new NodeView(t, v.state(), v.tags(), v.dynamic());
  }

  /** node1 holds the leader key; the leader reported {@link #OPTIME}. */
  private static Cluster cluster(Map<String, Object> config, SyncState sync) {
    return new Cluster(
        "7000000000000000001",
        config,
        5,
        new Leader("node1", 1, 2000),
        Map.of(),
        OPTIME,
        Map.of(),
        List.of(),
        sync,
        null,
        Map.of(),
        10);
  }

  private static PgState primary() {
    return ApiHarness.primaryPg(OPTIME);
  }

  /** A replica that received everything the leader reported and replayed up to {@code replay}. */
  private static PgState replica(long replay, boolean streaming) {
    PgState r = ApiHarness.replicaPg(replay, streaming);
    return new PgState(
        r.dataDirExists(),
        r.dataDirEmpty(),
        r.running(),
        r.postmasterPid(),
        r.acceptingConnections(),
        r.inRecovery(),
        r.timeline(),
        r.currentLsn(),
        OPTIME,
        replay,
        r.walReceiver(),
        r.replication(),
        r.sysid(),
        r.serverVersion(),
        r.postmasterStartTime(),
        r.pendingRestart(),
        r.clusterState(),
        r.error());
  }

  private static PgState stopped() {
    return new PgState(
        true,
        false,
        false,
        0,
        false,
        false,
        1,
        0,
        0,
        0,
        null,
        List.of(),
        "7000000000000000001",
        0,
        null,
        false,
        "shut down in recovery",
        "not running");
  }

  private static Map<String, List<String>> query(String q) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (q.isEmpty()) {
      return out;
    }
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      out.computeIfAbsent(eq < 0 ? kv : kv.substring(0, eq), k -> new ArrayList<>())
          .add(eq < 0 ? "" : kv.substring(eq + 1));
    }
    return out;
  }
}
