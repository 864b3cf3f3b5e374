package io.synod.store;

import io.synod.store.transport.RaftTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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
 * @param bind "host:port" the Raft server listens on; null = {@code self} (its host only, never
 *     every interface unless that host is a wildcard)
 * @param transport how peers authenticate each other; {@link RaftTransport#plain()} = not at all
 */
public record StoreOptions(
    String groupId,
    Path dataDir,
    String self,
    List<String> peers,
    int electionTimeoutMs,
    int snapshotIntervalSecs,
    long requestTimeoutMs,
    String bind,
    RaftTransport transport) {

  public StoreOptions {
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("groupId is required");
    }
    if (!peers.contains(self)) {
      peers = Stream.concat(Stream.of(self), peers.stream()).toList();
    }
    transport = transport == null ? RaftTransport.plain() : transport;
  }

  /** Plain transport, bound to the host of {@code self}. */
  public StoreOptions(
      String groupId,
      Path dataDir,
      String self,
      List<String> peers,
      int electionTimeoutMs,
      int snapshotIntervalSecs,
      long requestTimeoutMs) {
    this(
        groupId,
        dataDir,
        self,
        peers,
        electionTimeoutMs,
        snapshotIntervalSecs,
        requestTimeoutMs,
        null,
        RaftTransport.plain());
  }

  /** The same options with another transport. */
  public StoreOptions withTransport(RaftTransport t) {
    return new StoreOptions(
        groupId,
        dataDir,
        self,
        peers,
        electionTimeoutMs,
        snapshotIntervalSecs,
        requestTimeoutMs,
        bind,
        t);
  }

  /** The address the Raft server listens on. */
  public String listenAddress() {
    return bind == null ? self : bind;
  }
}
