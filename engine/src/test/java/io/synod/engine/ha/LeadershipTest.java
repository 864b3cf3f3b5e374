package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.config.DynamicConfig;
import io.synod.config.WatchdogConfig;
import io.synod.engine.api.FakeStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeadershipTest {
  final List<String> log = new CopyOnWriteArrayList<>();
  final FakeStore store = new FakeStore();
  final HaSettings settings = HaDeciderTest.settings(DynamicConfig.defaults()); // ttl 2 s
  final Leadership lead =
      new Leadership(
          "node1",
          store,
          new FakeFence(log),
          new WatchdogConfig(WatchdogConfig.Mode.OFF, null),
          () -> settings);

  @AfterEach
  void close() {
    lead.close();
  }

  @Test
  void countsRenewalsAndTheOnesThatCameLate() {
    assertTrue(lead.take());
    assertEquals(NodeStatus.LeaseCounts.NONE, lead.counts(), "taking is not renewing");
    assertTrue(lead.renew());
    assertEquals(new NodeStatus.LeaseCounts(1, 0), lead.counts());
    // the renewal answers with well under a quarter of the 2 s lease left
    store.renewDelayMs = 1700;
    assertTrue(lead.renew());
    assertEquals(new NodeStatus.LeaseCounts(2, 1), lead.counts());
  }

  @Test
  void aFailedRenewalIsNotCounted() {
    assertTrue(lead.take());
    store.releaseLeader("node1");
    assertTrue(!lead.renew());
    assertEquals(NodeStatus.LeaseCounts.NONE, lead.counts());
  }
}
