package io.synod.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Patroni's {@code standby_cluster} (dynamic configuration): this cluster replicates from a primary
 * elsewhere (a disaster-recovery site). Its leader is a <em>standby leader</em> that streams from
 * {@code host:port} (or replays {@code restore_command}'s archive) and never promotes; the other
 * members cascade from it. Removing the section (promote-cluster) promotes the standby leader;
 * adding it to a running cluster (demote-cluster) turns its primary into a standby leader.
 *
 * @param host the remote primary (or a replica of it); null when only restore_command is used
 * @param port its port (5432 by default)
 * @param primarySlotName the slot on the remote to stream through; null = none
 * @param createReplicaMethods how the standby leader gets its data when the cluster is bootstrapped
 *     (default [basebackup], i.e. pg_basebackup from host:port)
 * @param recovery restore_command, archive_cleanup_command, recovery_min_apply_delay as written
 */
public record StandbyCluster(
    String host,
    int port,
    String primarySlotName,
    List<String> createReplicaMethods,
    Map<String, String> recovery) {

  static final Set<String> RECOVERY_KEYS =
      Set.of("restore_command", "archive_cleanup_command", "recovery_min_apply_delay");
  static final Set<String> KEYS =
      Set.of(
          "host",
          "port",
          "primary_slot_name",
          "create_replica_methods",
          "restore_command",
          "archive_cleanup_command",
          "recovery_min_apply_delay");

  public StandbyCluster {
    createReplicaMethods =
        createReplicaMethods == null || createReplicaMethods.isEmpty()
            ? List.of("basebackup")
            : List.copyOf(createReplicaMethods);
    recovery = recovery == null ? Map.of() : Map.copyOf(recovery);
  }

  /** What the log and the standby leader's recovery settings call the source. */
  public String describe() {
    return host != null
        ? "the remote primary " + host + ":" + port
        : "the remote archive (restore_command)";
  }

  /**
   * Types and checks the section (an empty mapping means "not a standby cluster": null). Problems
   * are reported under {@code standby_cluster.<key>}.
   */
  static StandbyCluster parse(Section s) {
    if (!s.present() || s.map().isEmpty()) {
      return null;
    }
    for (String k : s.map().keySet()) {
      if (!KEYS.contains(k)) {
        s.error(
            k,
            "unknown standby_cluster key (expected one of " + new java.util.TreeSet<>(KEYS) + ")");
      }
    }
    String host = s.string("host", null);
    if (host != null && host.isBlank()) {
      host = null;
    }
    Integer port = s.optionalInteger("port");
    if (port != null && (port < 1 || port > 65535)) {
      s.error("port", port + " is not a TCP port");
    }
    String slot = s.string("primary_slot_name", null);
    List<String> methods = s.stringList("create_replica_methods");
    Map<String, String> recovery = new LinkedHashMap<>();
    for (String k :
        List.of("restore_command", "archive_cleanup_command", "recovery_min_apply_delay")) {
      Object v = s.raw(k);
      if (v != null) {
        recovery.put(k, String.valueOf(v));
      }
    }
    if (host == null && !recovery.containsKey("restore_command")) {
      s.error("host", "a standby cluster needs host (the remote primary) or restore_command");
    }
    return new StandbyCluster(host, port == null ? 5432 : port, slot, methods, recovery);
  }
}
