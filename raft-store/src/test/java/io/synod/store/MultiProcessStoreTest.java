package io.synod.store;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.store.testing.PeerProcess;
import io.synod.store.testing.PeerTransport;
import io.synod.store.testing.Ports;
import io.synod.store.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three store peers, each its own JVM, killed with SIGKILL. Asserts behaviour only; the re-election
 * times it prints are measurements (bench/ has the benchmark).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiProcessStoreTest {
  static final int ELECTION_MS = 300;
  static final long REQUEST_MS = 2000;
  static final long TTL_MS = 3000;
  static Path root;
  static List<String> addrs = new ArrayList<>();
  static PeerProcess[] peers = new PeerProcess[3];

  /** One secret per fixture cluster: the authenticated transport is the tested one. */
  static final PeerTransport SECRET = PeerTransport.randomSecret();

  @BeforeAll
  static void startThree() throws Exception {
    root = Files.createTempDirectory("synod-store-mp");
    for (int i = 0; i < 3; i++) {
      addrs.add("127.0.0.1:" + Ports.free());
    }
    for (int i = 0; i < 3; i++) {
      peers[i] = peer(i).start();
    }
  }

  static PeerProcess peer(int i) {
    return new PeerProcess(
            "mp",
            root.resolve("p" + i),
            addrs.get(i),
            addrs,
            ELECTION_MS,
            REQUEST_MS,
            root.resolve("p" + i + ".log"))
        .transport(SECRET);
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (PeerProcess p : peers) {
      if (p != null) {
        p.kill();
      }
    }
    if (System.getenv("SYNOD_KEEP_TEST_DIRS") == null) {
      TempDirs.delete(root);
    }
  }

  /** Index of the peer that is the Raft leader, asking the live ones. */
  static int leaderIndex() throws Exception {
    for (int attempt = 0; attempt < 200; attempt++) {
      for (int i = 0; i < 3; i++) {
        if (peers[i].alive() && peers[i].ask("leader").split(" ")[2].equals("true")) {
          return i;
        }
      }
      Thread.sleep(50);
    }
    fail("no Raft leader among the live peers");
    return -1;
  }

  static String waitFor(PeerProcess p, String cmd, String prefix) throws Exception {
    String a = null;
    for (int attempt = 0; attempt < 300; attempt++) {
      a = p.ask(cmd);
      if (a.startsWith(prefix)) {
        return a;
      }
      Thread.sleep(50);
    }
    fail("'" + cmd + "' never answered " + prefix + "; last: " + a);
    return a;
  }

  @Test
  @Order(1)
  void followerWritesReachTheLeaderAndReadsAreLinearizable() throws Exception {
    int l = leaderIndex();
    int f1 = (l + 1) % 3;
    int f2 = (l + 2) % 3;
    // an unconditional put may be retried: on a starved machine the first try can time out
    String put = waitFor(peers[f1], "put /t/a 1 0", "OK ");
    assertTrue(put.startsWith("OK "), put);
    assertEquals(
        "VAL 1",
        peers[f2].ask("get /t/a linear").substring(0, 5),
        "a linearizable read on another follower sees the write");
    assertEquals(
        "FAIL 1",
        peers[l].ask("put /t/a 2 0 absent"),
        "create-if-absent loses against an existing key");
    assertTrue(peers[f2].ask("put /t/a 3 0 value=1").startsWith("OK "), "CAS on value");
  }

  @Test
  @Order(2)
  void killingTheLeaderElectsANewOneAndItsLeaseExpiresOnlyAfterTtl() throws Exception {
    int l = leaderIndex();
    assertTrue(peers[l].ask("put /t/leader node" + l + " " + TTL_MS + " absent").startsWith("OK "));
    int survivor = (l + 1) % 3;
    long killedAt = System.nanoTime();
    peers[l].kill();
    // a write from a survivor succeeds once a new leader is elected
    String ok = waitFor(peers[survivor], "put /t/after-kill x 0", "OK ");
    long electedMs = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.println(
        "MEASURED raft re-election after kill -9 of the leader: write committed "
            + electedMs
            + " ms after the kill");
    // The new leader granted the dead node's lease a full TTL from its start: still held now.
    assertTrue(
        peers[survivor].ask("get /t/leader linear").startsWith("VAL node" + l),
        "the lease must not expire early on a leader change");
    assertTrue(
        peers[survivor].ask("put /t/leader other " + TTL_MS + " absent").startsWith("FAIL"),
        "nobody can take a live lease");
    // ...and then it expires, by a command, and another node can take it.
    waitFor(peers[survivor], "get /t/leader linear", "NONE");
    long goneMs = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.println(
        "MEASURED lease of the killed holder gone "
            + goneMs
            + " ms after the kill (TTL "
            + TTL_MS
            + " ms)");
    assertTrue(goneMs >= TTL_MS, "expired before its TTL: " + goneMs);
    int other = (l + 2) % 3;
    // (a long TTL: nobody renews it while the killed peer restarts)
    assertTrue(peers[other].ask("put /t/leader node" + other + " 600000 absent").startsWith("OK "));
    assertNotNull(ok);

    // the killed node restarts and catches up with what was written while it was down
    peers[l] = peer(l).start();
    waitFor(peers[l], "get /t/after-kill local", "VAL x");
    waitFor(peers[l], "get /t/leader local", "VAL node" + other);
  }

  @Test
  @Order(3)
  void aPeerLeftAloneCannotWriteAndSaysSoInBoundedTime() throws Exception {
    int alone = leaderIndex();
    int a = (alone + 1) % 3;
    int b = (alone + 2) % 3;
    peers[a].kill();
    peers[b].kill();
    long t0 = System.nanoTime();
    String answer = peers[alone].ask("put /t/lonely x 0");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(answer.startsWith("ERR NO_QUORUM") || answer.startsWith("ERR TIMEOUT"), answer);
    System.out.println("MEASURED isolated peer's write failed after " + ms + " ms with: " + answer);
    String read = peers[alone].ask("get /t/a linear");
    assertTrue(
        read.startsWith("ERR NO_QUORUM"), "a linearizable read without a majority fails: " + read);
    peers[a] = peer(a).start();
    peers[b] = peer(b).start();
    waitFor(peers[alone], "put /t/together-again y 0", "OK ");
  }

  @Test
  @Order(5)
  void aPeerIsAddedAndRemovedOnline() throws Exception {
    String fourth = "127.0.0.1:" + Ports.free();
    List<String> all = new ArrayList<>(addrs);
    all.add(fourth);
    PeerProcess p4 =
        new PeerProcess(
                "mp",
                root.resolve("p3"),
                fourth,
                all,
                ELECTION_MS,
                REQUEST_MS,
                root.resolve("p3.log"))
            .transport(SECRET)
            .start();
    try {
      int l = leaderIndex();
      assertEquals("OK", peers[l].ask("add " + fourth));
      String listed = waitFor(peers[l], "peers", "PEERS [");
      assertTrue(listed.contains(fourth), listed);
      assertTrue(peers[l].ask("put /t/with-four 4 0").startsWith("OK "));
      waitFor(p4, "get /t/with-four local", "VAL 4");
      assertEquals(
          "OK",
          peers[(l + 1) % 3].ask("remove " + fourth),
          "membership changes work from any peer");
      String after = waitFor(peers[l], "peers", "PEERS [");
      assertFalse(after.contains(fourth), after);
      assertTrue(peers[l].ask("put /t/back-to-three 3 0").startsWith("OK "));
    } finally {
      p4.kill();
    }
  }

  @Test
  @Order(4)
  void aWipedPeerRejoinsBySnapshot() throws Exception {
    int l = leaderIndex();
    for (int i = 0; i < 20; i++) {
      assertTrue(peers[l].ask("put /t/bulk" + i + " v" + i + " 0").startsWith("OK "));
    }
    // jraft keeps the log since the last-but-one snapshot, so snapshot twice to truncate it
    for (int round = 0; round < 2; round++) {
      for (PeerProcess p : peers) {
        assertEquals("OK", p.ask("snapshot"));
      }
      assertTrue(peers[l].ask("put /t/round" + round + " r 0").startsWith("OK "));
    }
    assertTrue(peers[l].ask("put /t/after-snapshot z 0").startsWith("OK "));
    int victim = (l + 1) % 3;
    peers[victim].kill();
    TempDirs.delete(root.resolve("p" + victim));
    peers[victim] = peer(victim).start();
    waitFor(peers[victim], "get /t/after-snapshot local", "VAL z");
    assertEquals("VAL v7", peers[victim].ask("get /t/bulk7 local").substring(0, 6));
    assertEquals(
        "SNAPSHOTS 1",
        peers[victim].ask("snapshots"),
        "the wiped peer was rebuilt from the leader's snapshot");
  }

  /**
   * SIGUSR2 is jraft's "describe yourself" signal. HotSpot suspends threads with SIGUSR2 too (JFR's
   * CPU sampler), unless told another signal: a node runs with {@code _JAVA_SR_SIGNUM} (JvmFlags),
   * so profiling a node no longer makes jraft write files, and the files an operator's kill -USR2
   * asks for go to the data directory rather than the working directory.
   */
  @Test
  @Order(6)
  void sigusr2DescribesTheNodeIntoItsDataDirAndTheJvmSuspendsWithAnotherSignal() throws Exception {
    int i = 0;
    while (!peers[i].alive()) {
      i++;
    }
    PeerProcess p = peers[i];
    String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
    String caught = status.lines().filter(l -> l.startsWith("SigCgt:")).findFirst().orElseThrow();
    long mask = Long.parseUnsignedLong(caught.substring(7).strip(), 16);
    int sr = Integer.parseInt(JvmFlags.NODE_ENV.get("_JAVA_SR_SIGNUM"));
    assertTrue((mask & (1L << (sr - 1))) != 0, "signal " + sr + " is not caught: " + caught);

    Path cwd = Path.of("").toAbsolutePath();
    assertEquals(0, describeFiles(cwd), "left over in " + cwd);
    assertEquals(0, new ProcessBuilder("kill", "-USR2", "" + p.pid()).start().waitFor());
    Path dataDir = root.resolve("p" + i);
    for (int attempt = 0; attempt < 200 && describeFiles(dataDir) == 0; attempt++) {
      Thread.sleep(50);
    }
    assertTrue(describeFiles(dataDir) > 0, "no node_describe.log.* in " + dataDir);
    assertEquals(0, describeFiles(cwd), "jraft wrote into the working directory " + cwd);
    assertTrue(p.alive(), "SIGUSR2 must not stop a node");
  }

  private static long describeFiles(Path dir) throws java.io.IOException {
    try (var s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().startsWith("node_describe.log.")).count();
    }
  }

  @Test
  @Order(7)
  void keepAlivesHoldALeaseWithoutLogEntriesEvenAcrossTheLeadersDeath() throws Exception {
    int l = leaderIndex();
    int f = (l + 1) % 3;
    assertTrue(peers[f].ask("put /t/ka v " + TTL_MS + " absent").startsWith("OK "));
    assertEquals("KEPT false", peers[f].ask("keepalive /t/ka other " + TTL_MS), "another value");
    assertEquals("KEPT false", peers[f].ask("keepalive /t/ka v " + (TTL_MS + 1)), "another TTL");
    assertEquals("KEPT false", peers[f].ask("keepalive /t/none v " + TTL_MS), "no such key");

    // Kept alive from a follower and from the leader itself for two TTLs: still there, and the
    // log did not grow by one entry per keep-alive.
    long before = index(peers[f]);
    int sent = keepAliveFor(2 * TTL_MS, false, f, l);
    assertTrue(peers[f].ask("get /t/ka linear").startsWith("VAL v"), "kept alive");
    long grown = index(peers[f]) - before;
    assertTrue(grown < sent / 2, sent + " keep-alives added " + grown + " log entries");

    // The extended deadline lives only in the leader's memory. Kill that leader: the next one
    // grants a full TTL from its election, and keep-alives go on against it.
    peers[l].kill();
    int keptAfter = keepAliveFor(2 * TTL_MS, true, f);
    assertTrue(keptAfter > 0, "no keep-alive reached the new leader");
    assertTrue(
        peers[f].ask("get /t/ka linear").startsWith("VAL v"),
        "a kept-alive lease survives the death of the leader that kept it");

    // Once keep-alives stop, the lease runs out: never before a TTL after the last one was sent.
    long lastSent = System.nanoTime();
    assertEquals("KEPT true", peers[f].ask("keepalive /t/ka v " + TTL_MS));
    waitFor(peers[f], "get /t/ka linear", "NONE");
    long goneMs = (System.nanoTime() - lastSent) / 1_000_000;
    assertTrue(goneMs >= TTL_MS, "expired " + goneMs + " ms after the last keep-alive was sent");
    assertEquals("KEPT false", peers[f].ask("keepalive /t/ka v " + TTL_MS), "never revived");

    peers[l] = peer(l).start();
    waitFor(peers[l], "get /t/ka local", "NONE");
  }

  /**
   * Keeps /t/ka alive every TTL/6 from the given peers in turn. While a leader is being elected a
   * keep-alive may fail (an error, or false: "write instead"); {@code electing} allows that.
   *
   * @return how many were sent (electing: how many extended the lease)
   */
  private static int keepAliveFor(long ms, boolean electing, int... from) throws Exception {
    long end = System.nanoTime() + ms * 1_000_000L;
    int n = 0;
    int kept = 0;
    while (System.nanoTime() < end) {
      String a = peers[from[n % from.length]].ask("keepalive /t/ka v " + TTL_MS);
      if (!electing) {
        assertEquals("KEPT true", a, "keep-alive number " + n);
      }
      kept += a.equals("KEPT true") ? 1 : 0;
      n++;
      Thread.sleep(TTL_MS / 6);
    }
    return electing ? kept : n;
  }

  private static long index(PeerProcess p) throws Exception {
    return Long.parseLong(p.ask("index").split(" ")[1]);
  }
}
