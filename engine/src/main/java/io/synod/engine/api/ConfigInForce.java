package io.synod.engine.api;

import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import java.util.Map;

/**
 * The dynamic configuration in force for a cluster view: the store's config key, typed; else
 * bootstrap.dcs (no key yet, or a key that does not validate). The last parse is kept, so the
 * health checks do not re-parse an unchanged key on every call.
 */
final class ConfigInForce {
  private final DynamicConfig fallback;
  private volatile Parsed last;

  private record Parsed(Map<String, Object> raw, DynamicConfig typed) {}

  ConfigInForce(DynamicConfig fallback) {
    this.fallback = fallback;
  }

  /**
   * @param stored the store's config key as read (null or empty: none)
   */
  DynamicConfig of(Map<String, Object> stored) {
    if (stored == null || stored.isEmpty()) {
      return fallback;
    }
    Parsed p = last;
    if (p != null && p.raw() == stored) {
      return p.typed();
    }
    DynamicConfig typed;
    try {
      typed = DynamicConfig.fromMap(stored, "store: config key");
    } catch (ConfigException e) {
      typed = fallback;
    }
    last = new Parsed(stored, typed);
    return typed;
  }

  DynamicConfig fallback() {
    return fallback;
  }
}
