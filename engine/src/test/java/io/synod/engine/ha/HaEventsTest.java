package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class HaEventsTest {
  @Test
  void routineCyclesAreNotEvents() {
    assertNull(HaEvents.kind(Action.RENEW, null, false, false));
    assertNull(HaEvents.kind(Action.NONE, null, false, false));
  }

  @Test
  void eachActionHasItsKind() {
    assertEquals(
        "promotion", HaEvents.kind(Action.TAKE_LEASE_AND_PROMOTE, "promoted: x", true, false));
    assertEquals(
        "leader-race",
        HaEvents.kind(Action.TAKE_LEASE_AND_PROMOTE, "lost the leader race", true, false));
    assertEquals("leader-race", HaEvents.kind(Action.NONE, null, true, false));
    assertEquals("demotion", HaEvents.kind(Action.RENEW, "demoted (lost): ...", false, false));
    assertEquals("switchover", HaEvents.kind(Action.STEP_DOWN, "stepped down", false, false));
    assertEquals("rewind", HaEvents.kind(Action.REWIND, null, false, false));
    assertEquals("clone", HaEvents.kind(Action.CLONE, null, false, false));
    assertEquals("store", HaEvents.kind(Action.NONE, null, false, true));
    assertEquals("sync", HaEvents.kind(Action.RENEW, "synchronous replication: x", false, false));
  }

  @Test
  void aPromotionCarriesTheTimeSinceTheLockWasSeenFree() {
    HaEvents e = new HaEvents("n1");
    e.record(
        new Decision(
            Action.TAKE_LEASE_AND_PROMOTE, null, "the lock is free and I am the healthiest"),
        "promoted: now the primary on timeline 2",
        true,
        false,
        1500);
    assertEquals(1500, e.recent(1).get(0).unlockedToPrimaryMs());
    assertEquals(1, e.promotions());
    assertEquals(1500, e.lastRecoveryMs());
    // holding the lock already (never seen free): not measured
    e.record(
        new Decision(Action.PROMOTE, null, "I hold the lease"), "promoted: tl 3", false, false, 0);
    assertEquals(-1, e.recent(1).get(0).unlockedToPrimaryMs());
    assertEquals(2, e.recent(10).size(), "promotions are never folded together");
  }

  @Test
  void repeatsAreCountedNotStoredAndTheRingIsBounded() {
    HaEvents e = new HaEvents("n1");
    for (int i = 0; i < 5; i++) {
      e.record(
          new Decision(Action.NONE, null, "the lock is free: " + i + " ms"), null, true, false, i);
    }
    assertEquals(1, e.recent(10).size());
    assertEquals(5, e.recent(1).get(0).count());
    for (int i = 0; i < HaEvents.CAPACITY + 10; i++) {
      e.add(i % 2 == 0 ? "clone" : "rewind", "X", "r", null, -1);
    }
    assertEquals(HaEvents.CAPACITY, e.recent(1000).size());
    assertEquals("rewind", e.recent(1).get(0).kind(), "newest first");
  }
}
