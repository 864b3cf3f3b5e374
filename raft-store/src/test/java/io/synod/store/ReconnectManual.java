package io.synod.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.synod.store.testing.NetNamespace;
import io.synod.store.testing.PeerProcess;
import io.synod.store.testing.PeerTransport;
import io.synod.store.testing.Ports;
import io.synod.store.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Manual measurement, not run by the build (no *Test/*IT name): how long a follower cut off the
 * network (nftables drop in its own network namespace) takes to be back in the group once the cable
 * is plugged back in. Run as root with -Dtest=ReconnectManual (under flock /work/it.lock). Prints
 * one MEASURED line per round: time from heal until the follower has applied a write made while it
 * was away, and until a write forwarded from it commits.
 */
class ReconnectManual {
  static final int ROUNDS = Integer.getInteger("rounds", 5);
  static final long CUT_MS = Long.getLong("cutMs", 10_000);

  @Test
  void measure() throws Exception {
    assumeTrue(NetNamespace.available(), "needs root, iproute2 and nftables");
    Path root = Files.createTempDirectory("synod-reconnect");
    List<PeerProcess> peers = new ArrayList<>();
    try (NetNamespace ns = NetNamespace.create()) {
      try {
        List<String> addrs =
            List.of(
                ns.hostAddress() + ":" + Ports.free(),
                ns.hostAddress() + ":" + Ports.free(),
                ns.nsAddress() + ":" + Ports.free());
        PeerTransport secret = PeerTransport.randomSecret();
        for (int i = 0; i < 3; i++) {
          PeerProcess p =
              new PeerProcess(
                      "rc",
                      root.resolve("p" + i),
                      addrs.get(i),
                      addrs,
                      300,
                      2000,
                      root.resolve("p" + i + ".log"))
                  .transport(secret)
                  .netns(i == 2 ? ns.name() : null);
          peers.add(p.start());
        }
        PeerProcess cutOff = peers.get(2);
        waitOk(peers.get(0), "put /r/ready 1 0", 30_000);
        waitOk(cutOff, "get /r/ready local", "VAL", 30_000);
        for (int round = 1; round <= ROUNDS; round++) {
          ns.isolate();
          Thread.sleep(CUT_MS);
          waitOk(peers.get(0), "put /r/k" + round + " v 0", 30_000);
          long healed = System.nanoTime();
          ns.heal();
          long applied = waitOk(cutOff, "get /r/k" + round + " local", "VAL", 60_000);
          long appliedMs = (applied - healed) / 1_000_000;
          long wrote = waitOk(cutOff, "put /r/w" + round + " x 0", "OK", 60_000);
          long wroteMs = (wrote - healed) / 1_000_000;
          System.out.printf(
              "MEASURED round %d: cut %d ms; after heal the follower applied the missed write in"
                  + " %d ms, its own forwarded write committed in %d ms%n",
              round, CUT_MS, appliedMs, wroteMs);
        }
      } finally {
        for (PeerProcess p : peers) {
          p.kill();
        }
      }
    } finally {
      if (System.getenv("SYNOD_KEEP_TEST_DIRS") == null) {
        TempDirs.delete(root);
      }
    }
  }

  private static void waitOk(PeerProcess p, String cmd, long maxMs) throws Exception {
    waitOk(p, cmd, "OK", maxMs);
  }

  /** Asks until the answer starts with {@code prefix}; returns System.nanoTime() of success. */
  private static long waitOk(PeerProcess p, String cmd, String prefix, long maxMs)
      throws Exception {
    long deadline = System.nanoTime() + maxMs * 1_000_000L;
    String a = null;
    while (System.nanoTime() < deadline) {
      a = p.ask(cmd);
      if (a.startsWith(prefix)) {
        return System.nanoTime();
      }
      Thread.sleep(10);
    }
    throw new AssertionError("'" + cmd + "' never answered " + prefix + "; last: " + a);
  }
}
