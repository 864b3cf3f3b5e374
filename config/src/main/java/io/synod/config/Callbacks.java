package io.synod.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code postgresql.callbacks}: commands run (asynchronously, as in Patroni) with arguments {@code
 * <action> <role> <scope>}. Each is null when not configured.
 */
public record Callbacks(
    String onStart, String onStop, String onRestart, String onReload, String onRoleChange) {

  public static Callbacks none() {
    return new Callbacks(null, null, null, null, null);
  }

  /** Patroni action name (on_start...) to command, only those configured. */
  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "on_start", onStart);
    put(m, "on_stop", onStop);
    put(m, "on_restart", onRestart);
    put(m, "on_reload", onReload);
    put(m, "on_role_change", onRoleChange);
    return m;
  }

  private static void put(Map<String, String> m, String k, String v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  static Callbacks from(Section s) {
    Callbacks c =
        new Callbacks(
            s.string("on_start", null),
            s.string("on_stop", null),
            s.string("on_restart", null),
            s.string("on_reload", null),
            s.string("on_role_change", null));
    s.finish();
    return c;
  }
}
