package io.synod.config;

import java.util.List;

/**
 * {@code watchdog}: how a primary is fenced when its engine stops vouching for its lease. Synod's
 * fence is a sidecar process in its own session (so freezing the engine's process group does not
 * freeze it) that stops PostgreSQL when the lease runs out; it plays the part Patroni gives {@code
 * /dev/watchdog}.
 *
 * @param mode {@code off}: no fence (a frozen engine can leave a writable primary after another
 *     node promoted); {@code automatic} (default, as Patroni): fence when it can start, else run
 *     unfenced with a loud error; {@code required}: a node whose fence cannot start does not stay
 *     or become primary
 * @param safetyMarginSeconds the fence fires this long before the lease could expire; null =
 *     Synod's default ({@value #DEFAULT_SAFETY_MARGIN_SECONDS} s); -1 = ttl/2 (Patroni's meaning)
 */
public record WatchdogConfig(Mode mode, Double safetyMarginSeconds) {
  public static final double DEFAULT_SAFETY_MARGIN_SECONDS = 0.3;

  public enum Mode {
    OFF,
    AUTOMATIC,
    REQUIRED
  }

  public static WatchdogConfig defaults() {
    return new WatchdogConfig(Mode.AUTOMATIC, null);
  }

  /** The margin for a given ttl, in milliseconds (never more than half the ttl). */
  public long safetyMarginMs(double ttlSeconds) {
    double m =
        safetyMarginSeconds == null
            ? DEFAULT_SAFETY_MARGIN_SECONDS
            : safetyMarginSeconds < 0 ? ttlSeconds / 2 : safetyMarginSeconds;
    return (long) (Math.min(m, ttlSeconds / 2) * 1000);
  }

  static WatchdogConfig from(Section s) {
    Mode mode;
    if (Boolean.FALSE.equals(s.map().get("mode"))) {
      // YAML 1.1 reads a bare `off` as false (Patroni accepts it the same way)
      s.accept("mode");
      mode = Mode.OFF;
    } else {
      String m = s.choice("mode", List.of("off", "automatic", "required"));
      mode = m == null ? Mode.AUTOMATIC : Mode.valueOf(m.toUpperCase(java.util.Locale.ROOT));
    }
    Double margin = s.seconds("safety_margin");
    if (margin != null && margin < 0 && margin != -1) {
      s.error("safety_margin", margin + " is negative (-1 means ttl/2)");
    }
    if (s.map().containsKey("device")) {
      s.accept("device");
      s.warn(
          "device",
          "Synod fences with a sidecar process that stops PostgreSQL, not a kernel watchdog"
              + " device; the device is not opened");
    }
    s.finish();
    return new WatchdogConfig(mode, margin);
  }

  /** A margin that does not fit the bootstrap ttl is an error at load time. */
  void check(Section root, double ttlSeconds) {
    if (safetyMarginSeconds != null
        && safetyMarginSeconds >= 0
        && safetyMarginSeconds >= ttlSeconds / 2) {
      root.error(
          "watchdog.safety_margin",
          safetyMarginSeconds
              + " s is not less than half of bootstrap.dcs.ttl ("
              + ttlSeconds
              + " s): the fence would fire right after every renewal");
    }
  }
}
