package io.synod.engine.ha;

import java.util.function.Consumer;

/**
 * The one-line HA reason is the heart of the log, but at loop_wait 0.5 s it must not flood: it is
 * logged at INFO when it changes (numbers such as "1234 ms left" do not count as a change), and
 * repeated at INFO at most once per interval while it stays the same (Patroni's cadence: one line
 * per 10 s loop); the repeats in between go to DEBUG.
 */
final class ReasonLog {
  static final long REPEAT_NANOS = 10_000_000_000L;

  private final Consumer<String> info;
  private final Consumer<String> debug;
  private String lastShape;
  private long lastInfo;

  ReasonLog(Consumer<String> info, Consumer<String> debug) {
    this.info = info;
    this.debug = debug;
  }

  /**
   * @param now System.nanoTime()
   */
  void log(String reason, long now) {
    String shape = reason.replaceAll("\\d+", "#");
    if (!shape.equals(lastShape) || now - lastInfo >= REPEAT_NANOS) {
      lastShape = shape;
      lastInfo = now;
      info.accept(reason);
    } else {
      debug.accept(reason);
    }
  }
}
