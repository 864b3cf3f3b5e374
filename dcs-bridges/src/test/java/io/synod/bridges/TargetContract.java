package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.bridges.testing.LocalRaft;
import io.synod.bridges.testing.Pulse;
import io.synod.bridges.testing.Wait;
import io.synod.store.ReadMode;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Keys;
import io.synod.store.cluster.RaftClusterStore;
import io.synod.store.kv.Expect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What every bridge must do, run against each target (a real etcd, a real ZooKeeper, the fake
 * Consul) with the real Raft store (one peer, in this JVM) as the source. Each test uses its own
 * scope, so its keys live under their own prefix.
 */
abstract class TargetContract {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration TTL = Duration.ofSeconds(2);
  static final Duration WAIT = Duration.ofSeconds(30);
  static LocalRaft raft;

  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startRaft() throws Exception {
    raft = LocalRaft.start(1);
  }

  @AfterAll
  static void stopRaft() {
    if (raft != null) {
      raft.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    open.clear();
  }

  // --- per target --------------------------------------------------------------------------

  abstract Mirror bridge(Keys keys, MirrorSource source, MirrorOptions opts);

  /** Every key under the cluster's prefix in the target: relative key to value. */
  abstract Map<String, String> values(Keys keys) throws Exception;

  /** The keys the target holds with a lease / ephemeral owner / session. */
  abstract Set<String> ttlKeys(Keys keys) throws Exception;

  /** Writes a key in the target as a tool would (patronictl pointed at this DCS). */
  abstract void externalPut(Keys keys, String rel, String value) throws Exception;

  abstract void targetDown() throws Exception;

  abstract void targetUp() throws Exception;

  // --- helpers -----------------------------------------------------------------------------

  String scope(String test) {
    return test + "-" + getClass().getSimpleName().toLowerCase().replace("bridgetest", "");
  }

  MirrorOptions options(boolean acceptRequests) {
    return MirrorOptions.defaults(TTL.toMillis(), "node1", acceptRequests);
  }

  /**
   * A store for {@code scope}, a pulse keeping node1 (leader), node2 and node3 alive, base keys
   * written.
   */
  record Setup(RaftClusterStore store, Keys keys, Pulse pulse, MirrorSource source) {}

  Setup cluster(String scope) {
    RaftClusterStore cs = raft.cluster(0, scope);
    Pulse p = new Pulse(cs, TTL);
    open.add(p);
    cs.initialize("7312345678901234567");
    cs.setConfig(
        new LinkedHashMap<>(
            Map.of(
                "ttl",
                2,
                "loop_wait",
                0.5,
                "retry_timeout",
                0.5,
                "maximum_lag_on_failover",
                1048576)),
        Expect.ANY);
    p.member("node1", Pulse.memberJson("node1", "primary", 1));
    p.member("node2", Pulse.memberJson("node2", "replica", 2));
    p.member("node3", Pulse.memberJson("node3", "replica", 3));
    p.leader("node1");
    cs.setStatus(67108960, Map.of("node2", 67108960, "node3", 67108960));
    return new Setup(cs, cs.keys(), p, new RaftMirrorSource(raft.peer(0), cs));
  }

  Mirror started(Setup s, MirrorOptions o) {
    Mirror b = bridge(s.keys(), s.source(), o);
    open.add(b::stop);
    b.start();
    return b;
  }

  /** What the target must hold: the store's Patroni keys (values verbatim) plus optime/leader. */
  static Map<String, String> expected(Setup s) {
    return new TreeMap<>(
        s.source().snapshot().entries().entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().value())));
  }

  Map<String, String> patroniValues(Keys keys) throws Exception {
    Map<String, String> out = new TreeMap<>();
    values(keys)
        .forEach(
            (k, v) -> {
              if (Snapshot.isPatroniKey(k)) {
                out.put(k, v);
              }
            });
    return out;
  }

  /** {@link #patroniValues} for lambdas. */
  Map<String, String> pv(Keys keys) {
    try {
      return patroniValues(keys);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  void awaitMirror(Setup s) {
    Wait.until(
        WAIT,
        () -> {
          try {
            return "the target to equal the store:\n  store  "
                + expected(s)
                + "\n  target "
                + patroniValues(s.keys());
          } catch (Exception e) {
            return e.toString();
          }
        },
        () -> {
          try {
            return patroniValues(s.keys()).equals(expected(s));
          } catch (Exception e) {
            return false;
          }
        });
  }

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  // --- the contract ------------------------------------------------------------------------

  @Test
  void mirrorsTheClusterInPatronisLayout() throws Exception {
    Setup s = cluster(scope("layout"));
    s.store()
        .setHistory(
            List.of(
                List.of(
                    1,
                    67108800,
                    "no recovery target specified",
                    "2024-05-01T10:00:00+00:00",
                    "node1")));
    s.store().setSync("node1", List.of("node2"), 1);
    s.store().setFailsafe(Map.of("node1", "http://127.0.0.1:8009/patroni"));
    s.store().setFailover(new FailoverRequest("node1", "node2", null, 0), Expect.ANY);
    Mirror b = started(s, options(false));
    awaitMirror(s);

    Map<String, String> v = patroniValues(s.keys());
    assertEquals(
        Set.of(
            "initialize",
            "config",
            "leader",
            "members/node1",
            "members/node2",
            "members/node3",
            "status",
            "optime/leader",
            "history",
            "sync",
            "failsafe",
            "failover"),
        v.keySet());
    assertEquals("node1", v.get("leader"), "leader holds the member name");
    assertEquals("7312345678901234567", v.get("initialize"));
    assertEquals(
        json(JSON.writeValueAsString(Pulse.memberJson("node1", "primary", 1))),
        json(v.get("members/node1")));
    assertEquals(
        json("{\"optime\":67108960,\"slots\":{\"node2\":67108960,\"node3\":67108960}}"),
        json(v.get("status")));
    assertEquals("67108960", v.get("optime/leader"), "legacy optime/leader: the plain LSN");
    assertEquals(
        json(
            "[[1,67108800,\"no recovery target specified\",\"2024-05-01T10:00:00+00:00\",\"node1\"]]"),
        json(v.get("history")));
    assertEquals(
        json("{\"leader\":\"node1\",\"sync_standby\":\"node2\",\"quorum\":1}"),
        json(v.get("sync")));
    assertEquals(json("{\"leader\":\"node1\",\"member\":\"node2\"}"), json(v.get("failover")));
    assertEquals(2, json(v.get("config")).get("ttl").asInt());
    assertEquals(
        Set.of("leader", "members/node1", "members/node2", "members/node3"),
        ttlKeys(s.keys()),
        "only the leader and member keys are TTL'd, as with Patroni");
    Wait.until(
        WAIT,
        "metrics up, writer, lag 0",
        () -> {
          BridgeMetrics m = b.metrics();
          return m.up() && m.writer() && m.lagSeconds() == 0 && m.writes() > 0;
        });
  }

  @Test
  void followsTheStoreAsItChanges() throws Exception {
    Setup s = cluster(scope("follow"));
    Mirror b = started(s, options(false));
    awaitMirror(s);
    s.pulse().leader("node2");
    s.pulse().removeMember("node1");
    s.store().setStatus(83886080, Map.of("node3", 83886080));
    s.store().setFailover(new FailoverRequest(null, "node3", null, 0), Expect.ANY);
    awaitMirror(s);
    assertEquals("node2", patroniValues(s.keys()).get("leader"));
    assertFalse(patroniValues(s.keys()).containsKey("members/node1"));
    assertEquals("83886080", patroniValues(s.keys()).get("optime/leader"));
    s.store().clearFailover(Expect.ANY);
    awaitMirror(s);
    assertFalse(
        patroniValues(s.keys()).containsKey("failover"),
        "a cleared request disappears from the target");
    assertEquals(Set.of("leader", "members/node2", "members/node3"), ttlKeys(s.keys()));
    assertTrue(b.metrics().up());
  }

  @Test
  void aDeadTargetShowsOnlyInTheMetricsAndTheMirrorCatchesUpAfter() throws Exception {
    Setup s = cluster(scope("outage"));
    Mirror b = started(s, options(false));
    awaitMirror(s);
    long resyncs = b.metrics().resyncs();
    targetDown();
    try {
      // the store keeps working while the target is down: HA writes never wait on a bridge
      s.pulse().leader("node3");
      s.pulse().removeMember("node2");
      s.store()
          .setConfig(
              new LinkedHashMap<>(
                  Map.of(
                      "ttl",
                      2,
                      "loop_wait",
                      0.5,
                      "retry_timeout",
                      0.5,
                      "maximum_lag_on_failover",
                      2097152)),
              Expect.ANY);
      Wait.until(
          WAIT,
          () -> "up=0 and a growing lag, got " + b.metrics(),
          () -> !b.metrics().up() && b.metrics().lagSeconds() > 0 && b.metrics().errors() > 0);
      assertEquals("node3", s.store().load(ReadMode.LINEARIZABLE).leader().name());
    } finally {
      targetUp();
    }
    awaitMirror(s);
    Wait.until(
        WAIT,
        () -> "up=1 and lag 0 again, got " + b.metrics(),
        () -> b.metrics().up() && b.metrics().lagSeconds() == 0);
    assertTrue(b.metrics().resyncs() > resyncs, "reconnecting resyncs in full");
    assertEquals("node3", patroniValues(s.keys()).get("leader"));
    assertEquals(Set.of("leader", "members/node1", "members/node3"), ttlKeys(s.keys()));
  }

  @Test
  void ttlKeysExpireInTheTargetOnceTheWriterIsGone() throws Exception {
    Setup s = cluster(scope("expire"));
    Mirror b = started(s, options(false));
    awaitMirror(s);
    b.stop(); // the store keeps its keys alive; nobody renews the target's lease/session any more
    Wait.until(
        Duration.ofSeconds(45),
        () -> {
          try {
            return "leader and members to expire in the target, still there: " + ttlKeys(s.keys());
          } catch (Exception e) {
            return e.toString();
          }
        },
        () -> {
          Map<String, String> v = pv(s.keys());
          return !v.containsKey("leader")
              && v.keySet().stream().noneMatch(k -> k.startsWith("members/"));
        });
    Map<String, String> v = patroniValues(s.keys());
    assertTrue(
        v.keySet().containsAll(Set.of("initialize", "config", "status", "optime/leader")),
        "persistent keys stay, as with Patroni: " + v.keySet());
  }

  @Test
  void onlyTheRaftLeadersBridgeWrites() throws Exception {
    Setup s = cluster(scope("follower"));
    MirrorSource notLeader =
        new MirrorSource() {
          @Override
          public boolean isWriter() {
            return false;
          }

          @Override
          public Snapshot snapshot() {
            return s.source().snapshot();
          }

          @Override
          public CompletableFuture<Long> watch(long afterRevision) {
            return s.source().watch(afterRevision);
          }

          @Override
          public ClusterStore store() {
            return s.store();
          }
        };
    Mirror follower = bridge(s.keys(), notLeader, options(false));
    open.add(follower::stop);
    follower.start();
    Mirror writer = started(s, options(false));
    awaitMirror(s);
    Wait.until(WAIT, "the follower's probe to succeed", () -> follower.metrics().up());
    BridgeMetrics f = follower.metrics();
    assertFalse(f.writer());
    assertEquals(0, f.writes(), "a follower never writes");
    assertEquals(0, f.lagSeconds());
    assertTrue(writer.metrics().writes() > 0);
  }

  @Test
  void acceptRequestsAppliesValidRequestsWrittenInTheTargetAndRevertsInvalidOnes()
      throws Exception {
    Setup s = cluster(scope("requests"));
    started(s, options(true));
    awaitMirror(s);

    externalPut(s.keys(), "failover", "{\"leader\":\"node1\",\"member\":\"node2\"}");
    Wait.until(
        WAIT,
        "the switchover request in the store",
        () -> {
          Cluster c = s.store().load(ReadMode.LINEARIZABLE);
          return c.failover() != null
              && "node1".equals(c.failover().leader())
              && "node2".equals(c.failover().candidate());
        });
    awaitMirror(s);

    s.store().clearFailover(Expect.ANY);
    awaitMirror(s);
    externalPut(s.keys(), "failover", "{\"member\":\"node9\"}");
    Wait.until(
        WAIT,
        "the invalid request to be removed from the target",
        () -> !pv(s.keys()).containsKey("failover"));
    assertNull(
        s.store().load(ReadMode.LINEARIZABLE).failover(),
        "an invalid request never reaches the store");

    externalPut(
        s.keys(),
        "config",
        "{\"ttl\":5,\"loop_wait\":1,\"retry_timeout\":1,\"maximum_lag_on_failover\":1048576}");
    Wait.until(
        WAIT,
        "the config edit in the store",
        () -> Integer.valueOf(5).equals(s.store().load(ReadMode.LINEARIZABLE).config().get("ttl")));
    awaitMirror(s);

    externalPut(s.keys(), "config", "{\"ttl\":\"soon\"}");
    Wait.until(
        WAIT,
        "the invalid config to be replaced by the store's",
        () -> expected(s).get("config").equals(pv(s.keys()).get("config")));
    assertEquals(5, s.store().load(ReadMode.LINEARIZABLE).config().get("ttl"));
  }
}
