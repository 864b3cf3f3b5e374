package io.synod.bridges;

import io.synod.store.RaftStore;
import io.synod.store.ReadMode;
import io.synod.store.cluster.ClusterStore;
import java.util.concurrent.CompletableFuture;

/** {@link MirrorSource} on this node's Raft replica; only the Raft leader writes the mirror. */
public final class RaftMirrorSource implements MirrorSource {
  private final RaftStore raft;
  private final ClusterStore store;

  public RaftMirrorSource(RaftStore raft, ClusterStore store) {
    this.raft = raft;
    this.store = store;
  }

  @Override
  public boolean isWriter() {
    return raft.isLeader();
  }

  @Override
  public Snapshot snapshot() {
    long rev = raft.revision();
    return Snapshot.of(rev, raft.list(store.keys().base(), ReadMode.LOCAL), store.keys());
  }

  @Override
  public CompletableFuture<Long> watch(long afterRevision) {
    return raft.watch(store.keys().base(), afterRevision);
  }

  @Override
  public ClusterStore store() {
    return store;
  }
}
