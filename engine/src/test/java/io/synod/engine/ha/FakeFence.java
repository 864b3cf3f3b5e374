package io.synod.engine.ha;

import io.synod.engine.watchdog.Fence;
import java.util.List;

/**
 * A fence that records arm/ping/disarm in the shared log; {@code canStart} false simulates failure.
 */
final class FakeFence implements Fence {
  final List<String> log;
  boolean canStart = true;
  boolean armed;
  long lastSafeMs;

  FakeFence(List<String> log) {
    this.log = log;
  }

  @Override
  public boolean arm(long safeMs) {
    if (armed) {
      ping(safeMs);
      return true;
    }
    if (!canStart) {
      log.add("fence.arm failed");
      return false;
    }
    armed = true;
    lastSafeMs = safeMs;
    log.add("fence.arm");
    return true;
  }

  @Override
  public void ping(long safeMs) {
    lastSafeMs = safeMs;
  }

  @Override
  public void disarm() {
    if (armed) {
      log.add("fence.disarm");
    }
    armed = false;
  }

  @Override
  public boolean armed() {
    return armed;
  }
}
