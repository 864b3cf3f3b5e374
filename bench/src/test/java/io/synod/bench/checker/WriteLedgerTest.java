package io.synod.bench.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.bench.checker.WriteLedger.Ack;
import io.synod.bench.checker.WriteLedger.Uncertain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WriteLedgerTest {
  private static final long MS = 1_000_000L;

  /** Acks 1..n through node1, one every 10 ms, each taking {@code id} microseconds to commit. */
  private static WriteLedger ledger(int n) {
    WriteLedger l = new WriteLedger();
    for (int id = 1; id <= n; id++) {
      l.ack(new Ack(id, "node1", 1_000L + id * 10L, id * 10 * MS, id, null));
    }
    return l;
  }

  private static Map<Long, Integer> rows(long... ids) {
    Map<Long, Integer> m = new HashMap<>();
    for (long id : ids) {
      m.merge(id, 1, Integer::sum);
    }
    return m;
  }

  @Test
  void everyAcknowledgedRowFoundIsOk() {
    CheckResult r = ledger(3).check(rows(1, 2, 3));
    assertTrue(r.ok());
    assertEquals(3, r.acknowledged());
    assertEquals(List.of(), r.lost());
  }

  @Test
  void anAcknowledgedRowThatIsGoneIsLostWithItsNodeAndTime() {
    CheckResult r = ledger(4).check(rows(1, 2, 4));
    assertFalse(r.ok());
    assertEquals(1, r.lost().size());
    Ack lost = r.lost().get(0);
    assertEquals(3, lost.id());
    assertEquals("node1", lost.node());
    assertEquals(1_030L, lost.epochMs());
  }

  @Test
  void aRowFoundTwiceIsADuplicate() {
    CheckResult r = ledger(2).check(rows(1, 2, 2));
    assertFalse(r.ok());
    assertEquals(Map.of(2L, 2), r.duplicates());
    assertEquals(List.of(), r.lost());
  }

  @Test
  void aRowNeverAttemptedIsReported() {
    CheckResult r = ledger(2).check(rows(1, 2, 99));
    assertFalse(r.ok());
    assertEquals(List.of(99L), r.unknownRows());
  }

  @Test
  void anInDoubtAttemptMayBeThereOrNotWithoutFailingTheCheck() {
    WriteLedger l = ledger(2);
    l.uncertain(new Uncertain(3, "node1", 0, "connection reset"));
    l.uncertain(new Uncertain(4, "node2", 0, "connection reset"));
    CheckResult r = l.check(rows(1, 2, 3));
    assertTrue(r.ok(), r.line());
    assertEquals(2, r.uncertain());
    assertEquals(1, r.uncertainCommitted());
  }

  @Test
  void theLongestGapIsBetweenConsecutiveAcknowledgements() {
    WriteLedger l = new WriteLedger();
    l.ack(new Ack(1, "node1", 0, 0, 100, null));
    l.ack(new Ack(2, "node1", 0, 10 * MS, 100, null));
    l.ack(new Ack(5, "node2", 0, 2_510 * MS, 100, null)); // 3 and 4 were in doubt
    l.ack(new Ack(6, "node2", 0, 2_520 * MS, 100, null));
    CheckResult r = l.check(rows(1, 2, 5, 6));
    assertEquals(2_500.0, r.longestGapMs());
    assertEquals(2, r.gapFrom().id());
    assertEquals(5, r.gapTo().id());
    assertEquals(Map.of("node1", 2, "node2", 2), r.acksPerNode());
  }

  @Test
  void latencyPercentilesAreNearestRank() {
    CheckResult r = ledger(100).check(rows());
    assertEquals(0.050, r.latencyP50Ms(), 1e-9);
    assertEquals(0.099, r.latencyP99Ms(), 1e-9);
    assertEquals(0.100, r.latencyMaxMs(), 1e-9);
    assertEquals(100, r.lost().size());
  }

  @Test
  void idsMustIncreaseSoThatNoIdIsReused() {
    WriteLedger l = ledger(2);
    assertThrows(IllegalArgumentException.class, () -> l.ack(new Ack(2, "node1", 0, 0, 1, null)));
  }

  @Test
  void roundsFindTheirFirstAckElsewhereAndTheLastBefore() {
    WriteLedger l = new WriteLedger();
    l.ack(new Ack(1, "node1", 0, 100, 1, null));
    l.ack(new Ack(2, "node1", 0, 200, 1, null));
    l.ack(new Ack(3, "node1", 0, 300, 1, null));
    l.ack(new Ack(4, "node2", 0, 400, 1, null));
    assertEquals(4, l.firstAckAfter(150, "node1").id());
    assertEquals(2, l.firstAckAfter(150, null).id());
    assertEquals(2, l.lastAckBefore(300).id());
    assertNull(l.lastAckBefore(100));
    assertEquals(3, l.firstAckOnAfter(300, "node1").id());
    assertNull(l.firstAckOnAfter(500, "node1"));
  }
}
