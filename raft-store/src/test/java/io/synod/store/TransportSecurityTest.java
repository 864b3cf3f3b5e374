package io.synod.store;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.synod.store.testing.ListeningSockets;
import io.synod.store.testing.NetNamespace;
import io.synod.store.testing.PeerProcess;
import io.synod.store.testing.PeerTransport;
import io.synod.store.testing.Ports;
import io.synod.store.testing.StoreCluster;
import io.synod.store.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Raft port as an attacker sees it. A cluster of three store peers (each its own JVM) runs with
 * a shared secret; processes with a wrong secret, with no secret, or with a certificate from
 * another CA try what a forged peer could do: write the leader key and {@code config} (through
 * their own store and through the store's forward RPC sent straight to each peer), add themselves
 * as a peer, transfer leadership, reset a peer's configuration, read the membership. Every attempt
 * must fail, each cluster peer must log the refused connection with the attacker's address, and the
 * cluster must keep its members, its data and its ability to write.
 */
class TransportSecurityTest {
  static final int ELECTION_MS = 1000; // no spurious elections on a loaded 2-core test machine
  static final long REQUEST_MS = 2000;

  /**
   * The outsider's own request timeout: every attempt of its must fail, and a refused connection
   * fails at once; waiting the cluster's 2 s on each of its ~16 attempts only made the test slow. A
   * request that did get through late is still caught by the state check after the attack.
   */
  static final long ATTACKER_REQUEST_MS = 700;

  StoreCluster cluster;
  PeerTransport secret;
  String before;

  /** A fresh cluster per test: each attack is judged on its own log lines. */
  @BeforeEach
  void start() throws Exception {
    startOn("127.0.0.1");
  }

  void startOn(String host) throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    secret = PeerTransport.randomSecret();
    cluster = new StoreCluster("sec", 3, host, secret, ELECTION_MS, REQUEST_MS).start();
    int l = cluster.leaderIndex();
    PeerProcess leader = cluster.peers[l];
    assertTrue(leader.ask("put /service/sec/leader node" + l + " 600000 absent").startsWith("OK"));
    assertTrue(leader.ask("put /service/sec/config {\"ttl\":2} 0").startsWith("OK"));
    before = state();
  }

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Membership, leader key and config as the cluster sees them (linearizable). */
  String state() throws Exception {
    PeerProcess p = cluster.peers[cluster.leaderIndex()];
    return StoreCluster.waitFor(p, "peers", "PEERS [")
        + " | "
        + p.ask("get /service/sec/leader linear").replaceFirst(" \\d+$", "")
        + " | "
        + p.ask("get /service/sec/config linear").replaceFirst(" \\d+$", "");
  }

  @Test
  void theRaftPortListensOnTheConfiguredAddressOnly() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(
          List.of(cluster.addrs.get(i)),
          ListeningSockets.on(cluster.port(i)),
          "what ss -ltn shows for peer " + i);
    }
  }

  @Test
  void aProcessWithAWrongSecretCannotChangeAnything() throws Exception {
    attackFrom("wrong-secret", PeerTransport.randomSecret(), "127.0.0.1", null);
  }

  @Test
  void aProcessWithoutTheSecretCannotChangeAnything() throws Exception {
    attackFrom("plain", PeerTransport.plain(), "127.0.0.1", null);
  }

  @Test
  void aProcessWithACertificateFromAnotherCaCannotChangeAnything() throws Exception {
    TestPki other = new TestPki(cluster.root.resolve("pki"), "other-ca");
    attackFrom("other-ca", other.issue("attacker"), "127.0.0.1", null);
  }

  @Test
  void aProcessInAnotherNetworkNamespaceCannotChangeAnything() throws Exception {
    assumeTrue(NetNamespace.available(), "needs root and iproute2 for a network namespace");
    try (NetNamespace ns = NetNamespace.create()) {
      try {
        startOn(ns.hostAddress()); // the cluster listens on the veth address, reachable from ns
        for (int i = 0; i < 3; i++) {
          assertEquals(List.of(cluster.addrs.get(i)), ListeningSockets.on(cluster.port(i)));
        }
        attackFrom("netns", PeerTransport.randomSecret(), ns.nsAddress(), ns.name());
      } finally {
        cluster.close(); // before its address goes away
        cluster = null;
      }
    }
  }

  @Test
  void aPeerWithTheSecretCanJoinAndLeave() throws Exception {
    // The positive control: the same operations succeed with the right secret.
    String fourth = "127.0.0.1:" + Ports.free();
    List<String> all = new ArrayList<>(cluster.addrs);
    all.add(fourth);
    PeerProcess p4 =
        new PeerProcess(
                "sec",
                cluster.root.resolve("p4"),
                fourth,
                all,
                ELECTION_MS,
                REQUEST_MS,
                cluster.root.resolve("p4.log"))
            .transport(secret)
            .start();
    try {
      assertEquals("OK", p4.ask("cli-add " + cluster.csv() + " " + fourth));
      StoreCluster.waitFor(p4, "get /service/sec/config local", "VAL {\"ttl\":2}");
      assertTrue(p4.ask("put /service/sec/joined yes 0").startsWith("OK"), "writes via forward");
      assertEquals("OK", p4.ask("cli-remove " + cluster.csv() + " " + fourth));
      String peers = StoreCluster.waitFor(cluster.peers[0], "peers", "PEERS [");
      assertFalse(peers.contains(fourth), peers);
    } finally {
      p4.kill();
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(
          List.of(),
          refusedLines(cluster.peers[i].logFile()),
          "a member with the secret is never refused");
    }
  }

  /**
   * Starts an outsider peer that lists itself with the cluster's peers (so it also campaigns and
   * tries to replicate), runs every attack from it, then checks the cluster.
   */
  void attackFrom(String name, PeerTransport t, String host, String netns) throws Exception {
    String self = host + ":" + Ports.free();
    List<String> all = new ArrayList<>(cluster.addrs);
    all.add(self);
    PeerProcess attacker =
        new PeerProcess(
                "sec",
                cluster.root.resolve(name),
                self,
                all,
                ELECTION_MS,
                ATTACKER_REQUEST_MS,
                cluster.root.resolve(name + ".log"))
            .transport(t)
            .netns(netns);
    attacker.start();
    try {
      String c = cluster.csv();
      List<String> attempts = new ArrayList<>();
      attempts.add("put /service/sec/leader " + name + " 0");
      attempts.add("put /service/sec/config {\"pg_hba\":[\"host_all_all_0.0.0.0/0_trust\"]} 0");
      for (String target : cluster.addrs) {
        attempts.add("forward " + target + " /service/sec/leader " + name);
        attempts.add("forward " + target + " /service/sec/config evil");
        attempts.add("cli-reset " + target + " " + self);
      }
      attempts.add("cli-add " + c + " " + self);
      attempts.add("cli-remove " + c + " " + cluster.addrs.get(0));
      attempts.add("cli-transfer " + c + " " + cluster.addrs.get(1));
      attempts.add("cli-peers " + c);
      for (String a : attempts) {
        String answer = attacker.ask(a);
        assertTrue(
            answer.startsWith("FAILED") || answer.startsWith("ERR"),
            name + ": '" + a + "' must fail, got: " + answer);
      }
      assertTrue(
          attacker.ask("leader").startsWith("LEADER null false"), name + " never learns who leads");
    } finally {
      attacker.kill();
    }

    assertEquals(before, state(), "members, leader key and config are unchanged");
    int l = cluster.leaderIndex();
    assertTrue(
        cluster.peers[(l + 1) % 3].ask("put /service/sec/after-" + name + " ok 0").startsWith("OK"),
        "the cluster still writes");
    // Every peer was attacked directly (ResetPeer, forward) and by the outsider's own Raft node,
    // which reconnects continuously: each peer logs the refusal with the attacker's address, once
    // (repeats from one host are counted into a line a minute, not logged one by one).
    String from = Pattern.quote(host);
    for (int i = 0; i < 3; i++) {
      List<String> refused = refusedLines(cluster.peers[i].logFile());
      assertFalse(refused.isEmpty(), "peer " + i + " logged no refusal of " + name);
      assertTrue(
          refused.size() <= 2,
          "peer " + i + " floods its log with refusals: " + String.join("\n", refused));
      for (String line : refused) {
        assertTrue(line.matches(".*refused a connection from " + from + ":\\d+: .*"), line);
      }
    }
  }

  static List<String> refusedLines(Path log) throws Exception {
    List<String> out = new ArrayList<>();
    if (!Files.exists(log)) {
      return out;
    }
    for (String line : Files.readAllLines(log)) {
      if (line.contains("raft: refused a connection from ")) {
        out.add(line);
      }
    }
    return out;
  }
}
