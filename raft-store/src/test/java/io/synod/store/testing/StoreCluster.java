package io.synod.store.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three (or more) {@link PeerProcess} store peers of one group, with the same transport, on one
 * host address. Stops what it started; removes its directory unless SYNOD_KEEP_TEST_DIRS is set.
 */
public final class StoreCluster implements AutoCloseable {
  public final String group;
  public final Path root;
  public final List<String> addrs = new ArrayList<>();
  public final PeerProcess[] peers;
  private final PeerTransport transport;
  private final int electionMs;
  private final long requestMs;

  public StoreCluster(
      String group, int size, String host, PeerTransport transport, int electionMs, long requestMs)
      throws Exception {
    this.group = group;
    this.transport = transport;
    this.electionMs = electionMs;
    this.requestMs = requestMs;
    this.root = Files.createTempDirectory("synod-store-" + group);
    this.peers = new PeerProcess[size];
    for (int i = 0; i < size; i++) {
      addrs.add(host + ":" + Ports.free());
    }
  }

  public StoreCluster start() throws Exception {
    for (int i = 0; i < peers.length; i++) {
      peers[i] = peer(i).start();
    }
    return this;
  }

  public PeerProcess peer(int i) {
    return new PeerProcess(
            group,
            root.resolve("p" + i),
            addrs.get(i),
            addrs,
            electionMs,
            requestMs,
            root.resolve("p" + i + ".log"))
        .transport(transport);
  }

  public int port(int i) {
    String a = addrs.get(i);
    return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
  }

  /** Index of the peer that is the Raft leader, asking the live ones. */
  public int leaderIndex() throws Exception {
    for (int attempt = 0; attempt < 400; attempt++) {
      for (int i = 0; i < peers.length; i++) {
        if (peers[i].alive() && peers[i].ask("leader").split(" ")[2].equals("true")) {
          return i;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no Raft leader among the live peers of " + group);
  }

  /** Asks {@code cmd} until the answer starts with {@code prefix} (about 15 s at most). */
  public static String waitFor(PeerProcess p, String cmd, String prefix) throws Exception {
    String a = null;
    for (int attempt = 0; attempt < 300; attempt++) {
      a = p.ask(cmd);
      if (a.startsWith(prefix)) {
        return a;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("'" + cmd + "' never answered " + prefix + "; last: " + a);
  }

  public String csv() {
    return String.join(",", addrs);
  }

  @Override
  public void close() throws Exception {
    for (PeerProcess p : peers) {
      if (p != null) {
        p.kill();
      }
    }
    if (System.getenv("SYNOD_KEEP_TEST_DIRS") == null) {
      TempDirs.delete(root);
    }
  }
}
