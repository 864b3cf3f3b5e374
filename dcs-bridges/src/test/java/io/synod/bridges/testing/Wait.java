package io.synod.bridges.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits: poll a condition, fail with what was awaited and what was last seen. */
public final class Wait {
  private Wait() {}

  public static void until(Duration timeout, String what, BooleanSupplier ok) {
    until(timeout, () -> what, ok);
  }

  public static void until(Duration timeout, Supplier<String> what, BooleanSupplier ok) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean done;
      try {
        done = ok.getAsBoolean();
      } catch (RuntimeException e) {
        done = false;
      }
      if (done) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what.get());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what.get());
      }
    }
  }
}
