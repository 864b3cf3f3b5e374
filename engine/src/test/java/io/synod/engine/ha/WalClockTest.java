package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WalClockTest {
  private static final long MS = 1_000_000L;

  @Test
  void tellsHowLongTheWalAStandbyLacksHasExisted() {
    WalClock c = new WalClock();
    c.sample(0, 100);
    c.sample(500 * MS, 100); // no new WAL: the first sample at 100 stands
    c.sample(1000 * MS, 200);
    c.sample(1500 * MS, 300);
    assertEquals(0, c.behindMs(300, 2000 * MS), "has everything");
    assertEquals(500, c.behindMs(250, 2000 * MS), "lacks only WAL seen at 1.5 s");
    assertEquals(1000, c.behindMs(150, 2000 * MS));
    assertEquals(2000, c.behindMs(50, 2000 * MS));
  }

  @Test
  void aNewPrimaryOrADemotionStartsOver() {
    WalClock c = new WalClock();
    c.sample(0, 500);
    c.sample(100 * MS, 80); // went back: another timeline's history does not apply
    assertEquals(0, c.behindMs(80, 5000 * MS));
    assertEquals(4900, c.behindMs(10, 5000 * MS));
    c.clear();
    assertEquals(0, c.behindMs(10, 5000 * MS), "no history: nothing is known to be old");
  }

  @Test
  void historyIsBounded() {
    WalClock c = new WalClock();
    for (int i = 1; i <= 1000; i++) {
      c.sample(i * MS, i);
    }
    // only the last 64 samples are kept: the oldest known WAL past 0 is from 937 ms
    assertEquals(63, c.behindMs(0, 1000 * MS));
  }
}
