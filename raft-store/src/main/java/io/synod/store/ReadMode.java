package io.synod.store;

/** How fresh a read must be. */
public enum ReadMode {
  /**
   * Raft ReadIndex: the answer reflects every write committed before the read started, on any node.
   * Answered from the Raft leader's lease (one RPC from a follower; a heartbeat round to a majority
   * when the lease is not fresh); fails with NO_QUORUM when a majority is gone.
   */
  LINEARIZABLE,
  /**
   * This replica's applied state, no network. May lag the leader by the replication delay
   * (milliseconds on a LAN) and, on a partitioned node, by as long as the partition lasts. The HA
   * loop may use it to show state, never to decide that a lock is free.
   */
  LOCAL
}
