package io.synod.store.lean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.sofa.jraft.JRaftUtils;
import com.alipay.sofa.jraft.util.timer.Timeout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SleepingTimerTest {

  @Test
  void jraftUsesSynodsTimers() {
    assertTrue(JRaftUtils.raftTimerFactory() instanceof SynodTimerFactory);
    assertTrue(JRaftUtils.raftTimerFactory().getElectionTimer(false, "x") instanceof SleepingTimer);
  }

  @Test
  void runsDueTasksAndNotCancelledOnes() throws Exception {
    SleepingTimer t = new SleepingTimer("test");
    CountDownLatch ran = new CountDownLatch(1);
    AtomicInteger cancelledRan = new AtomicInteger();
    Timeout c = t.newTimeout(x -> cancelledRan.incrementAndGet(), 50, TimeUnit.MILLISECONDS);
    Timeout r = t.newTimeout(x -> ran.countDown(), 10, TimeUnit.MILLISECONDS);
    assertTrue(c.cancel());
    assertTrue(c.isCancelled());
    assertTrue(ran.await(5, TimeUnit.SECONDS));
    Thread.sleep(150);
    assertEquals(0, cancelledRan.get());
    assertTrue(r.isExpired());
    assertFalse(r.isCancelled());
    assertEquals(0, t.pendingCount());
  }

  @Test
  void stopCancelsOnlyItsOwnTimeouts() throws Exception {
    SleepingTimer a = new SleepingTimer("a");
    SleepingTimer b = new SleepingTimer("b");
    AtomicInteger aRan = new AtomicInteger();
    CountDownLatch bRan = new CountDownLatch(1);
    a.newTimeout(x -> aRan.incrementAndGet(), 100, TimeUnit.MILLISECONDS);
    b.newTimeout(x -> bRan.countDown(), 100, TimeUnit.MILLISECONDS);
    assertEquals(1, a.stop().size());
    assertTrue(bRan.await(5, TimeUnit.SECONDS), "the other timer's task still runs");
    Thread.sleep(100);
    assertEquals(0, aRan.get());
    assertThrows(
        IllegalStateException.class, () -> a.newTimeout(x -> {}, 1, TimeUnit.MILLISECONDS));
  }

  @Test
  void aThrowingTaskDoesNotStopTheSharedThread() throws Exception {
    SleepingTimer t = new SleepingTimer("throws");
    t.newTimeout(
        x -> {
          throw new IllegalStateException("boom");
        },
        1,
        TimeUnit.MILLISECONDS);
    CountDownLatch after = new CountDownLatch(1);
    t.newTimeout(x -> after.countDown(), 20, TimeUnit.MILLISECONDS);
    assertTrue(after.await(5, TimeUnit.SECONDS));
  }
}
