package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.DynamicConfig;
import io.synod.config.WatchdogConfig;
import io.synod.engine.api.FakeStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's own duties, with a fake store and PostgreSQL: what it reads, tracks and applies. */
class HaLoopTest {
  final List<String> log = new CopyOnWriteArrayList<>();
  final FakePg pg = new FakePg(log);
  final FakeStore store = new FakeStore();
  final AtomicReference<HaSettings> live =
      new AtomicReference<>(HaSettings.of(DynamicConfig.defaults(), null));
  final Leadership lead =
      new Leadership("node1", store, new FakeFence(log), WatchdogConfig.defaults(), live::get);
  final NodeIdentity id =
      new NodeIdentity(
          "node1", "127.0.0.1", 5432, "http://127.0.0.1:1/patroni", Map.of(), false, 1);
  final HaActions actions = new HaActions(id, store, pg, lead, DynamicConfig.defaults(), () -> {});
  final List<DynamicConfig> applied = new ArrayList<>();
  final HaLoop loop = new HaLoop(id, store, pg, actions, live, null, applied::add);

  @AfterEach
  void close() {
    lead.close();
  }

  @Test
  void aTtlOrRetryTimeoutChangedAtRunTimeReachesTheStoreAndTheKeeper() {
    store.leader = "node2";
    store.config.putAll(DynamicConfig.defaults().toMap());
    store.config.put("ttl", 6);
    store.config.put("retry_timeout", 2);
    store.config.put("loop_wait", 1);
    loop.runOnce();
    assertEquals(Duration.ofSeconds(2), store.requestTimeout, "store calls bounded anew");
    assertEquals(Duration.ofSeconds(6), live.get().ttl(), "the keeper and fence read this");
    assertEquals(1, applied.size());
    loop.runOnce();
    assertEquals(1, applied.size(), "an unchanged config is not applied again");
  }

  @Test
  void aNodeWhoseNameIsTakenByAnotherStops() {
    store.leader = "node2";
    store.memberOwners.put("node1", "127.0.0.1:9999");
    List<String> fatal = new ArrayList<>();
    loop.onFatal(fatal::add);
    loop.runOnce();
    assertEquals(1, fatal.size());
    assertTrue(fatal.get(0).contains("127.0.0.1:9999"), fatal.get(0));
  }

  @Test
  void theStatusPeersSeeNeverShowsAPrimaryThatIsSteppingDown() {
    AtomicReference<HaLoop> holder = new AtomicReference<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    // what GET /patroni would answer while PostgreSQL is being stopped for the switchover
    FakePg stepping =
        new FakePg(log) {
          @Override
          public void stop(io.synod.engine.postgres.StopMode mode, Duration timeout) {
            NodeStatus st = holder.get().status();
            seen.add(st == null ? "none" : st.role() + "/" + st.state());
            super.stop(mode, timeout);
          }
        };
    stepping.primary = true;
    store.leader = "node1";
    store.leaderOwner = store.self;
    store.member("node2", "replica", "running", 1000, Map.of(), 5433);
    HaActions a = new HaActions(id, store, stepping, lead, DynamicConfig.defaults(), () -> {});
    HaLoop l = new HaLoop(id, store, stepping, a, live, null, d -> {});
    holder.set(l);
    l.runOnce(); // an ordinary leader loop: /patroni says primary
    assertEquals("primary", l.status().role());
    store.failover = new io.synod.store.cluster.FailoverRequest("node1", "node2", null, 3);
    l.runOnce(); // the switchover
    assertEquals(List.of("demoted/stopping"), seen);
    assertTrue(
        log.indexOf("pg.stop FAST") < log.indexOf("pg.configureAsReplica node2"), log.toString());
    assertNull(store.leader, "released once stopped");
  }
}
