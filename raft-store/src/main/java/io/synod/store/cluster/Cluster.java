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

  public static Cluster empty() {
    return new Cluster(
        null, Map.of(), 0, null, Map.of(), 0, Map.of(), List.of(), null, null, Map.of(), 0);
  }
}
