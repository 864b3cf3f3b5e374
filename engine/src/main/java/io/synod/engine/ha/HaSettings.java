package io.synod.engine.ha;

import io.synod.config.DynamicConfig;
import java.time.Duration;

/** The dynamic settings one loop runs with (from the config key, else bootstrap.dcs). */
public record HaSettings(
    Duration ttl,
    Duration loopWait,
    Duration retryTimeout,
    long maximumLagOnFailover,
    boolean useRewind,
    boolean useSlots,
    Duration primaryStartTimeout,
    DynamicConfig dynamic) {

  public static HaSettings of(DynamicConfig d, Boolean localUseRewind) {
    return new HaSettings(
        d.ttl(),
        d.loopWait(),
        d.retryTimeout(),
        d.maximumLagOnFailover(),
        localUseRewind != null ? localUseRewind : d.usePgRewind(),
        d.useSlots(),
        d.primaryStartTimeout(),
        d);
  }
}
