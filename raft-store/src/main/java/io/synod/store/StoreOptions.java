package io.synod.store;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run one peer of the store.
 *
 * @param groupId the Raft group: one per cluster (Synod uses the scope)
 * @param self this peer's "host:port" for Raft traffic
 * @param peers all voting peers, self included ("host:port"); used only on empty storage
 * @param electionTimeoutMs jraft's election timeout; the election delay is randomised up to this
 *     again
 * @param requestTimeoutMs bound on any write or linearizable read, after which callers get a
 *     StoreException
 */
public record StoreOptions(
    String groupId,
    Path dataDir,
    String self,
    List<String> peers,
    int electionTimeoutMs,
    int snapshotIntervalSecs,
    long requestTimeoutMs) {

  public StoreOptions {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("groupId is required");
    }
    if (!peers.contains(self)) {
      peers =
          java.util.stream.Stream.concat(java.util.stream.Stream.of(self), peers.stream()).toList();
    }
  }
}
