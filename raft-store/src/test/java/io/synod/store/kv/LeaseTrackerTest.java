package io.synod.store.kv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaseTrackerTest {
  private static final long MS = 1_000_000L;
  private final LeaseTracker t = new LeaseTracker();

  private static KvEntry leased(String key, long rev, long ttlMs) {
    return new KvEntry(key, "v", rev, rev, ttlMs, "o");
  }

  private static WatchEvent put(KvEntry e) {
    return new WatchEvent(WatchEvent.Type.PUT, e.key(), e, e.modRevision());
  }

  @Test
  void followersNeverReportDueLeases() {
    t.onEvent(put(leased("/l", 5, 1000)), 0);
    assertEquals(Map.of(), t.due(10_000 * MS));
  }

  @Test
  void newLeaderGrantsAFullTtlFromItsStart() {
    // The key was last renewed long ago on the old leader; the new one still waits a full TTL.
    long start = 50_000 * MS;
    t.becomeLeader(List.of(leased("/l", 5, 3000)), start);
    assertEquals(Map.of(), t.due(start + 2999 * MS));
    assertEquals(Map.of("/l", 5L), t.due(start + 3000 * MS));
  }

  @Test
  void renewalPushesTheDeadlineAndIsReportedOnce() {
    t.becomeLeader(List.of(), 0);
    t.onEvent(put(leased("/l", 7, 1000)), 0);
    t.onEvent(put(leased("/l", 9, 1000)), 800 * MS);
    assertEquals(Map.of(), t.due(1500 * MS));
    assertEquals(Map.of("/l", 9L), t.due(1800 * MS));
    assertEquals(Map.of(), t.due(1900 * MS), "an expiry is proposed once per revision");
    t.retry("/l", 9);
    assertEquals(Map.of("/l", 9L), t.due(1950 * MS), "a failed proposal may be retried");
  }

  @Test
  void aKeepAlivePushesTheDeadlineWithoutARevision() {
    t.becomeLeader(List.of(), 0);
    t.onEvent(put(leased("/l", 7, 1000)), 0);
    assertTrue(t.extend("/l", 7, 1700 * MS, 700 * MS));
    assertEquals(Map.of(), t.due(1500 * MS), "the old deadline (1000 ms) no longer counts");
    assertEquals(Map.of("/l", 7L), t.due(1700 * MS));
  }

  @Test
  void aKeepAliveNeverShortensALease() {
    t.becomeLeader(List.of(), 0);
    t.onEvent(put(leased("/l", 7, 1000)), 500 * MS); // deadline 1500 ms
    assertTrue(t.extend("/l", 7, 1200 * MS, 600 * MS), "still live, so kept");
    assertEquals(Map.of(), t.due(1400 * MS));
    assertEquals(Map.of("/l", 7L), t.due(1500 * MS));
  }

  @Test
  void aKeepAliveDoesNotReviveOrRaceAnExpiry() {
    t.becomeLeader(List.of(), 0);
    t.onEvent(put(leased("/l", 7, 1000)), 0);
    assertFalse(t.extend("/l", 7, 2100 * MS, 1100 * MS), "the lease ran out at 1000 ms");
    assertEquals(Map.of("/l", 7L), t.due(1100 * MS));
    assertFalse(t.extend("/l", 7, 2100 * MS, 999 * MS), "an expiry is in flight");
    t.retry("/l", 7);
    assertFalse(t.extend("/l", 7, 2200 * MS, 1200 * MS), "retried, but still past its deadline");
  }

  @Test
  void aKeepAliveNeedsTheRevisionTheLeaderTracksAndLeadership() {
    assertFalse(t.extend("/l", 7, 2000 * MS, 0), "a follower tracks nothing");
    t.becomeLeader(List.of(leased("/l", 7, 1000)), 0);
    assertFalse(t.extend("/l", 6, 2000 * MS, 10 * MS), "an older revision of the key");
    assertFalse(t.extend("/x", 7, 2000 * MS, 10 * MS), "an unknown key");
    t.onEvent(new WatchEvent(WatchEvent.Type.DELETE, "/l", null, 8), 10 * MS);
    assertFalse(t.extend("/l", 7, 2000 * MS, 20 * MS), "a deleted key");
    t.onEvent(put(leased("/m", 9, 1000)), 20 * MS);
    t.stepDown();
    assertFalse(t.extend("/m", 9, 2000 * MS, 30 * MS), "after stepping down");
  }

  @Test
  void deletedOrUnleasedKeysAreForgotten() {
    t.becomeLeader(List.of(leased("/l", 1, 1000)), 0);
    t.onEvent(new WatchEvent(WatchEvent.Type.DELETE, "/l", null, 2), 10 * MS);
    t.onEvent(put(new KvEntry("/c", "v", 3, 3, 0, null)), 10 * MS);
    assertEquals(Map.of(), t.due(5000 * MS));
    assertEquals(-1, t.remainingMs("/l", 0));
  }

  @Test
  void steppingDownDropsEverything() {
    t.becomeLeader(List.of(leased("/l", 1, 1000)), 0);
    t.stepDown();
    assertFalse(t.isLeader());
    assertEquals(Map.of(), t.due(5000 * MS));
  }

  @Test
  void theNextDeadlineSkipsProposedExpiriesAndEveryNewDeadlineIsAnnounced() {
    List<Long> told = new java.util.ArrayList<>();
    t.onDeadline(told::add);
    assertEquals(Long.MAX_VALUE, t.nextDeadlineNanos(), "a follower expires nothing");
    t.becomeLeader(List.of(leased("/a", 1, 1000), leased("/b", 2, 3000)), 0);
    assertEquals(List.of(1000 * MS), told, "the earliest deadline of the new term");
    assertEquals(1000 * MS, t.nextDeadlineNanos());
    t.onEvent(put(leased("/c", 3, 500)), 100 * MS);
    assertEquals(600 * MS, told.get(1));
    assertEquals(600 * MS, t.nextDeadlineNanos());
    assertEquals(Map.of("/c", 3L), t.due(600 * MS));
    assertEquals(1000 * MS, t.nextDeadlineNanos(), "an expiry in flight is not waited for again");
    t.retry("/c", 3);
    assertEquals(600 * MS, told.get(told.size() - 1), "a failed proposal is due again at once");
    assertEquals(600 * MS, t.nextDeadlineNanos());
    t.stepDown();
    assertEquals(Long.MAX_VALUE, t.nextDeadlineNanos());
  }
}
