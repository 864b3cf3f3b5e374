package io.synod.engine.ha;

import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import io.synod.store.cluster.Cluster;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

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

  /**
   * The settings of the store's config key when they differ from {@code current} (logged once here,
   * for the HA loop and the witness loop alike); null when the key is missing, unchanged, or
   * invalid (logged, and the running settings kept).
   */
  static HaSettings changedInStore(Cluster c, HaSettings current, Boolean localUseRewind) {
    if (c.config().isEmpty()) {
      return null;
    }
    try {
      HaSettings next = of(DynamicConfig.fromMap(c.config(), "store: config key"), localUseRewind);
      if (next.dynamic().equals(current.dynamic())) {
        return null;
      }
      LOG.info(
          "dynamic configuration changed (ttl {} s, loop_wait {} s, retry_timeout {} s)",
          next.dynamic().ttlSeconds(),
          next.dynamic().loopWaitSeconds(),
          next.dynamic().retryTimeoutSeconds());
      return next;
    } catch (ConfigException e) {
      LOG.warn("ignoring the invalid dynamic configuration in the store: {}", e.getMessage());
      return null;
    }
  }
}
