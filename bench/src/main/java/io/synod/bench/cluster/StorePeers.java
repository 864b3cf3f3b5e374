package io.synod.bench.cluster;

import io.synod.store.testing.PeerProcess;
import io.synod.store.testing.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Raft-store peers, each in its own JVM ({@link PeerProcess} running raft-store's StorePeerMain),
 * on loopback ports in one temp dir. Peers can be crashed (SIGKILL), stopped cleanly ("quit": the
 * store closes, a leader hands over) and restarted on their data.
 */
public final class StorePeers implements AutoCloseable {
  public static final String GROUP = "bench";
  private final Path root;
  private final List<String> addrs = new ArrayList<>();
  private final PeerProcess[] peers;
  private final int electionMs;
  private final long requestMs;
  private final Thread hook = new Thread(this::close, "store-peers-cleanup");
  private boolean closed;

  /**
   * @param count peers in separate JVMs; @param extraAddrs more voters (e.g. one in this JVM)
   */
  public StorePeers(int count, List<String> extraAddrs, int electionMs, long requestMs)
      throws IOException {
    this.root = Files.createTempDirectory("synod-bench-raft-");
    this.electionMs = electionMs;
    this.requestMs = requestMs;
    this.peers = new PeerProcess[count];
    for (int i = 0; i < count; i++) {
      addrs.add("127.0.0.1:" + Ports.free());
    }
    addrs.addAll(extraAddrs);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public StorePeers(int count, int electionMs, long requestMs) throws IOException {
    this(count, List.of(), electionMs, requestMs);
  }

  public List<String> addrs() {
    return addrs;
  }

  public Path root() {
    return root;
  }

  public int size() {
    return peers.length;
  }

  public PeerProcess peer(int i) {
    return peers[i];
  }

  public StorePeers startAll() throws Exception {
    for (int i = 0; i < peers.length; i++) {
      start(i);
    }
    return this;
  }

  public void start(int i) throws Exception {
    peers[i] =
        new PeerProcess(
                GROUP,
                root.resolve("p" + i),
                addrs.get(i),
                addrs,
                electionMs,
                requestMs,
                root.resolve("p" + i + ".log"))
            .start();
  }

  /** Restarts every peer that is not running (on its old data). */
  public void restartDead() throws Exception {
    for (int i = 0; i < peers.length; i++) {
      if (peers[i] == null || !peers[i].alive()) {
        start(i);
      }
    }
  }

  public boolean alive(int i) {
    return peers[i] != null && peers[i].alive();
  }

  /** kill -9. */
  public void crash(int i) throws InterruptedException {
    peers[i].kill();
  }

  /** Clean stop: the store closes (a Raft leader hands over) and the JVM exits. */
  public void stop(int i) throws InterruptedException {
    peers[i].ask("quit");
  }

  /**
   * "LEADER addr isLeader term" from peer i: the leader's address as peer i sees it (null if none).
   */
  public String leaderSeenBy(int i) throws InterruptedException {
    String[] w = peers[i].ask("leader").split(" ");
    return w.length > 1 && !w[1].equals("null") ? w[1] : null;
  }

  /**
   * Index of the live peer that says it leads (waits up to 30 s); -1 when the leader is outside.
   */
  public int awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < peers.length; i++) {
        if (alive(i)) {
          String[] w = peers[i].ask("leader").split(" ");
          if (w.length > 2 && w[2].equals("true")) {
            return i;
          }
          if (w.length > 1
              && !w[1].equals("null")
              && !addrs.subList(0, peers.length).contains(w[1])) {
            return -1;
          }
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no Raft leader among the peers within 30 s; logs in " + root);
  }

  /** Sends "put" until it answers OK (bounded by {@code timeoutMs}); returns the answer. */
  public String putUntilOk(
      int i, String key, String value, long ttlMs, String expect, long timeoutMs, long pauseMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    String a = null;
    while (System.nanoTime() < deadline) {
      a = peers[i].ask("put " + key + " " + value + " " + ttlMs + " " + expect);
      if (a.startsWith("OK")) {
        return a;
      }
      if (pauseMs > 0) {
        Thread.sleep(pauseMs);
      }
    }
    throw new IllegalStateException(
        "put "
            + key
            + " on peer "
            + i
            + " never succeeded; last answer: "
            + a
            + "; logs in "
            + root);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (PeerProcess p : peers) {
      if (p != null) {
        try {
          p.kill();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    Procs.deleteRecursively(root);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down
    }
  }
}
