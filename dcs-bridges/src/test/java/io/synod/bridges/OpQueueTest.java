package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class OpQueueTest {
  static OpQueue.Op op(String k, String v, long since) {
    return new OpQueue.Op(k, v == null ? null : new MirrorEntry(k, v, 0), since);
  }

  @Test
  void coalescesPerKeyKeepingTheOldestTimestamp() throws Exception {
    OpQueue q = new OpQueue(10);
    assertTrue(q.offer(op("a", "1", 100)));
    assertTrue(q.offer(op("b", "1", 150)));
    assertTrue(q.offer(op("a", "2", 200)));
    assertEquals(2, q.size());
    assertEquals(100, q.oldestSinceNanos());
    OpQueue.Op first = q.poll(0);
    assertEquals("2", first.entry().value(), "the newest value of a key is written");
    assertEquals(100, first.sinceNanos(), "lag counts from the first change not yet mirrored");
    assertEquals("b", q.poll(0).key());
    assertNull(q.poll(10));
    assertEquals(Long.MAX_VALUE, q.oldestSinceNanos());
  }

  @Test
  void boundedByDistinctKeys() {
    OpQueue q = new OpQueue(2);
    assertTrue(q.offer(op("a", "1", 1)));
    assertTrue(q.offer(op("b", "1", 1)));
    assertFalse(q.offer(op("c", "1", 1)), "a third key does not fit");
    assertTrue(q.offer(op("a", null, 2)), "a newer change of a queued key always fits");
    q.clear();
    assertEquals(0, q.size());
  }
}
