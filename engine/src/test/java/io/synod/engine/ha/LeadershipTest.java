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
  final HaSettings settings = HaDeciderTest.settings(DynamicConfig.defaults()); // ttl 1.3 s
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
    // the renewal answers with well under a quarter of the 1.3 s lease left
    store.renewDelayMs = 1100;
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

  @Test
  void theLoopWritesOnlyWhenTheKeeperHasNotRenewedWithinAPeriod() {
    assertTrue(lead.take());
    assertTrue(lead.renewFromLoop(), "not keeping yet: the loop renews");
    assertEquals(1, store.renewCalls.get());
    lead.keep(true);
    lead.loopAlive();
    assertTrue(lead.renewFromLoop(), "renewed a moment ago: nothing to write");
    assertEquals(1, store.renewCalls.get());
    lead.keep(false);
    assertTrue(lead.renewFromLoop());
    assertEquals(2, store.renewCalls.get());
  }

  @Test
  void theKeeperRetriesAFailedRenewalSoonerThanItsPeriod() throws InterruptedException {
    assertTrue(lead.take());
    lead.keep(true);
    lead.loopAlive();
    store.down = true;
    int before = store.renewCalls.get();
    // 1.3 s: four ticks at the ttl/4 period, about sixteen at the ttl/16 retry pace
    for (int i = 0; i < 13; i++) {
      Thread.sleep(100);
      lead.loopAlive();
    }
    int attempts = store.renewCalls.get() - before;
    store.down = false;
    assertTrue(attempts >= 7, attempts + " renewal attempts in 1.3 s without a store");
  }
}
