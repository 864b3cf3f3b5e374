package io.synod.store.cluster;

import java.util.List;
import java.util.Map;

/**
 * One consistent view of the cluster's keys, as the HA decision consumes it.
 *
 * @param initialize the system identifier written by the node that ran initdb (null: not
 *     bootstrapped)
 * @param config the dynamic configuration (the config key), empty when absent
 * @param optime the leader's last reported WAL position (status key), 0 when unknown
 * @param revision the store revision this view was read at (for watches and CAS)
 */
public record Cluster(
    String initialize,
    Map<String, Object> config,
    long configRevision,
    Leader leader,
    Map<String, Member> members,
    long optime,
    Map<String, Object> slots,
    List<List<Object>> history,
    SyncState sync,
    FailoverRequest failover,
    Map<String, Object> failsafe,
    long revision) {

  public boolean isUnlocked() {
    return leader == null;
  }

  public Member member(String name) {
    return members.get(name);
  }

  public Member leaderMember() {
    return leader == null ? null : members.get(leader.name());
  }

  public boolean paused() {
    Object p = config.get("pause");
    return Boolean.TRUE.equals(p) || "true".equalsIgnoreCase(String.valueOf(p));
  }

  /** synchronous_mode from the config key: "off", "on" or "quorum" (Patroni's spellings). */
  public String synchronousMode() {
    Object v = config.get("synchronous_mode");
    String s = v == null ? "off" : String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (s) {
      case "true", "on", "yes", "1" -> "on";
      case "quorum" -> "quorum";
      default -> "off";
    };
  }

  /**
   * Patroni's member roles for synchronous replication: "sync_standby" (synchronous_mode on) or
   * "quorum_standby" (quorum), when the sync key lists the member and allows a failover; else null.
   */
  public String syncRole(String member) {
    String mode = synchronousMode();
    if (mode.equals("off")
        || sync == null
        || !sync.failoverPossible()
        || !sync.syncStandby().contains(member)) {
      return null;
    }
    return mode.equals("quorum") ? "quorum_standby" : "sync_standby";
  }

  public static Cluster empty() {
    return new Cluster(
        null, Map.of(), 0, null, Map.of(), 0, Map.of(), List.of(), null, null, Map.of(), 0);
  }
}
