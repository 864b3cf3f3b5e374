package io.synod.bridges.testing;

import io.synod.store.RaftStore;
import io.synod.store.StoreOptions;
import io.synod.store.cluster.RaftClusterStore;
import io.synod.store.testing.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * N peers of the real Raft store inside the test JVM, on free loopback ports, data in a temp dir.
 */
public final class LocalRaft implements AutoCloseable {
  public final Path dir;
  private final List<RaftStore> peers = new ArrayList<>();

  private LocalRaft(Path dir) {
    this.dir = dir;
  }

  public static LocalRaft start(int n) throws IOException {
    LocalRaft r = new LocalRaft(Files.createTempDirectory("synod-raft-"));
    try {
      List<String> addrs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        addrs.add("127.0.0.1:" + Ports.free());
      }
      for (int i = 0; i < n; i++) {
        r.peers.add(
            new RaftStore(
                    new StoreOptions(
                        "bridges-test",
                        r.dir.resolve("peer" + i),
                        addrs.get(i),
                        addrs,
                        1000,
                        3600,
                        3000))
                .start());
      }
      Wait.until(Duration.ofSeconds(30), "a Raft leader", () -> r.leaderIndex() >= 0);
    } catch (RuntimeException | Error e) {
      r.close();
      throw e;
    }
    return r;
  }

  public RaftStore peer(int i) {
    return peers.get(i);
  }

  public int size() {
    return peers.size();
  }

  /** Index of the peer that is the Raft leader now, or -1. */
  public int leaderIndex() {
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i).isLeader()) {
        return i;
      }
    }
    return -1;
  }

  public RaftClusterStore cluster(int peer, String scope) {
    return new RaftClusterStore(peers.get(peer), "/service", scope);
  }

  public void stop(int i) {
    peers.get(i).close();
  }

  @Override
  public void close() {
    for (RaftStore p : peers) {
      try {
        p.close();
      } catch (RuntimeException e) {
        // already closed
      }
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
