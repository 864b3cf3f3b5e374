package io.synod.store.cluster;

import java.util.List;

/**
 * The sync key: which standbys a failover candidate must consider, written by the leader in
 * synchronous mode ({@code {"leader": ..., "sync_standby": "a,b", "quorum": q}}).
 *
 * @param leader the primary that wrote it
 * @param syncStandby the voters: every acknowledged commit is on at least one in every {@code
 *     quorum} of them
 * @param quorum how many voters a candidate must see (itself included) to be sure it sees every
 *     acknowledged commit; more than the number of voters means no failover is safe now
 */
public record SyncState(String leader, List<String> syncStandby, int quorum, long revision) {
  public SyncState {
    syncStandby = syncStandby == null ? List.of() : List.copyOf(syncStandby);
  }

  /** Whether some candidate could satisfy the quorum at all. */
  public boolean failoverPossible() {
    return quorum >= 1 && quorum <= syncStandby.size();
  }
}
