package io.synod.engine.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pg_controldata output ("Key: value" lines, run with LC_ALL=C so the keys are English) and its key
 * names.
 */
public final class ControlData {
  public static final String SYSTEM_IDENTIFIER = "Database system identifier";
  public static final String CLUSTER_STATE = "Database cluster state";
  public static final String TIMELINE = "Latest checkpoint's TimeLineID";
  public static final String CHECKPOINT_LOCATION = "Latest checkpoint location";
  public static final String REDO_LOCATION = "Latest checkpoint's REDO location";
  public static final String MIN_RECOVERY_END = "Minimum recovery ending location";
  public static final String MIN_RECOVERY_END_TIMELINE = "Min recovery ending loc's timeline";
  public static final String WAL_LOG_HINTS = "wal_log_hints setting";
  public static final String DATA_CHECKSUMS = "Data page checksum version";

  /**
   * Cluster states after a clean shutdown; anything else ("in production", ...) needs crash
   * recovery first.
   */
  public static final String SHUT_DOWN = "shut down";

  public static final String SHUT_DOWN_IN_RECOVERY = "shut down in recovery";

  private ControlData() {}

  public static Map<String, String> parse(String output) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        m.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return m;
  }

  /** Whether the cluster state means a clean shutdown (what pg_rewind requires of its target). */
  public static boolean cleanlyShutDown(Map<String, String> controlData) {
    String s = controlData.get(CLUSTER_STATE);
    return SHUT_DOWN.equals(s) || SHUT_DOWN_IN_RECOVERY.equals(s);
  }
}
