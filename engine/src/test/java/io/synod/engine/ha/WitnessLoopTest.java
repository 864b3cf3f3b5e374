package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.DynamicConfig;
import io.synod.engine.api.FakeStore;
import io.synod.store.cluster.FailoverRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A witness's loop with a fake store: it writes its member key and nothing else, ever. */
class WitnessLoopTest {
  final FakeStore store = new FakeStore();
  final AtomicReference<HaSettings> live =
      new AtomicReference<>(HaSettings.of(DynamicConfig.defaults(), null));
  final NodeIdentity id =
      new NodeIdentity(
          "node3", null, 0, "http://127.0.0.1:8010/patroni", Map.of("witness", true), true, 0);
  final WitnessLoop loop = new WitnessLoop(id, store, live);

  @Test
  void itRegistersAsAWitnessAndPublishesItsStatus() {
    store.leader = "node1";
    Decision d = loop.runOnce();
    assertEquals(Action.NONE, d.action());
    Map<String, Object> key = store.members.get("node3");
    assertEquals("witness", key.get("role"));
    assertEquals("running", key.get("state"));
    assertEquals("http://127.0.0.1:8010/patroni", key.get("api_url"));
    for (String absent : List.of("conn_url", "xlog_location", "timeline", "sysid")) {
      assertFalse(key.containsKey(absent), absent + " in " + key);
    }
    NodeStatus s = loop.status();
    assertEquals("witness", s.role());
    assertEquals("running", s.state());
    assertFalse(s.pg().running());
    assertFalse(s.isLeader());
    assertEquals(
        "no action: I am node3, a witness (Raft voter, no database)", s.decision().reason());
  }

  @Test
  void aFreeLockAnEmptyClusterOrAFailoverNamingItNeverMakeItTakeTheLock() {
    store.initialize = null; // no cluster yet: a database node would bootstrap
    loop.runOnce();
    store.initialize = "7000";
    store.failover = new FailoverRequest("node1", "node3", null, 0);
    for (int i = 0; i < 3; i++) {
      loop.runOnce();
    }
    assertNull(store.leader);
    assertEquals(List.of(), store.lockLog, "never took, renewed or released the lock");
  }

  @Test
  void theStoresTtlAndLoopWaitApply() {
    store.config.putAll(DynamicConfig.defaults().toMap());
    store.config.put("ttl", 6);
    store.config.put("loop_wait", 1);
    loop.runOnce();
    assertEquals(Duration.ofSeconds(6), live.get().ttl());
  }

  @Test
  void withTheStoreDownItWaitsAndSaysSo() {
    store.down = true;
    Decision d = loop.runOnce();
    assertEquals(Action.NONE, d.action());
    assertTrue(d.reason().startsWith("store unreachable"), d.reason());
    assertNull(loop.status().cluster());
  }

  @Test
  void aWitnessWhoseNameIsTakenStops() {
    store.memberOwners.put("node3", "127.0.0.1:9999");
    List<String> fatal = new ArrayList<>();
    loop.onFatal(fatal::add);
    loop.runOnce();
    assertEquals(1, fatal.size(), "stops");
  }
}
