package io.synod.config;

import java.util.Locale;

/**
 * {@code synchronous_mode}: off, on, or quorum (Patroni 4.0+). YAML booleans mean on/off, as in
 * Patroni.
 */
public enum SynchronousMode {
  OFF,
  ON,
  QUORUM;

  public String patroniName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Null if the value is none of off/on/quorum or a boolean spelling of on/off. */
  static SynchronousMode parse(Object v) {
    if (v instanceof String s && s.trim().equalsIgnoreCase("quorum")) {
      return QUORUM;
    }
    Boolean b = Section.parseBool(v);
    return b == null ? null : b ? ON : OFF;
  }
}
