package io.synod.bridges;

import io.synod.store.cluster.ClusterStore;
import java.util.concurrent.CompletableFuture;

/** Where the mirror reads from: the local replica of the Raft store. */
public interface MirrorSource {
  /** True on the one node that writes the mirror (the Raft leader). */
  boolean isWriter();

  /** The cluster's keys as this replica holds them now (no network). */
  Snapshot snapshot();

  /** Completes when a key of the cluster changes after {@code afterRevision}. */
  CompletableFuture<Long> watch(long afterRevision);

  /** For the reverse path (accept_requests): where validated requests are written. */
  ClusterStore store();
}
