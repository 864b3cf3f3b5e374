package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.WriteProber;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults that used to give two writable primaries, on a real three-node cluster, with a prober that
 * writes to every node every 20 ms and records who acknowledged what. The assertion is on overlap
 * (a write the old primary accepted after the new one had accepted one), never on time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SafetyIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(30);
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-safety", 3, "", List.of()).startAll();
    Await.until(
        FORM,
        () -> "1 leader + 2 streaming replicas; streaming=" + cluster.streamingReplicas(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static NodeProc leaderNode() {
    Await.until(FAILOVER, "a leader", () -> cluster.leader() != null);
    return cluster.node(cluster.leader());
  }

  static List<String> slots(NodeProc n) {
    List<String> out = new java.util.ArrayList<>();
    try (java.sql.Connection c = n.connect();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet r =
            s.executeQuery(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical'")) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    } catch (java.sql.SQLException e) {
      out.add("error: " + e.getMessage());
    }
    return out;
  }

  @Test
  @Order(1)
  void freezingThePrimarysWholeProcessGroupNeverGivesTwoWritablePrimaries() throws Exception {
    NodeProc old = leaderNode();
    try (WriteProber prober = new WriteProber(cluster.nodes(), 20).start()) {
      Await.until(
          Duration.ofSeconds(10), "the prober writing", () -> prober.last(old.name) != null);
      old.signalGroup("STOP"); // Ctrl-Z on a foreground `synod node.yml`: engine and its children
      NodeProc next;
      List<String> slotsAtPromotion;
      try {
        next = cluster.awaitWritableOtherThan(old.name, FAILOVER);
        slotsAtPromotion = slots(next);
        Thread.sleep(4000); // 2 x ttl with the old group still frozen
      } finally {
        old.signalGroup("CONT");
      }
      Await.until(
          FAILOVER,
          old.name + " to rejoin as a streaming replica",
          () -> cluster.streamingReplicas().contains(old.name));
      Thread.sleep(500);
      List<WriteProber.Ack> overlap = prober.overlap(old.name, next.name);
      System.out.println(
          "MEASURED frozen process group of "
              + old.name
              + ": new primary "
              + next.name
              + ", writes the old primary accepted after the new one had: "
              + overlap.size());
      assertEquals(List.of(), overlap, "two primaries accepted writes at once");
      // The members' slots were kept on the replica, so they exist the moment it takes writes.
      for (NodeProc n : cluster.nodes()) {
        if (!n.name.equals(next.name)) {
          assertTrue(slotsAtPromotion.contains(n.name), n.name + " in " + slotsAtPromotion);
        }
      }
      assertFalse(old.writable(), old.name + " is a replica now");
    }
  }

  @Test
  @Order(2)
  void aSecondNodeWithAnExistingNameIsRefused() throws Exception {
    NodeProc taken = cluster.nodes().get(1);
    List<String> raft = new java.util.ArrayList<>();
    for (NodeProc n : cluster.nodes()) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("self_addr: (\\S+)").matcher(Files.readString(n.yml));
      assertTrue(m.find());
      raft.add(m.group(1));
    }
    String dupAddr = "127.0.0.1:" + io.synod.engine.testing.PgFixture.freePort();
    raft.add(dupAddr);
    java.nio.file.Path dupDir = cluster.dir.resolve("dup");
    Files.createDirectories(dupDir);
    String yml =
        io.synod.engine.cli.DemoFiles.nodeYaml(
            cluster.scope,
            taken.name,
            io.synod.engine.testing.PgFixture.freePort(),
            io.synod.engine.testing.PgFixture.freePort(),
            raft,
            3,
            dupDir,
            "",
            "",
            cluster.secrets); // the cluster's Raft secret: it must be able to join
    java.nio.file.Path file = cluster.dir.resolve("dup.yml");
    io.synod.engine.cli.DemoFiles.writePrivate(file, yml);
    java.nio.file.Path log = cluster.dir.resolve("dup.log");
    // A fourth machine, configured by copying node2's file: it joins the Raft group as an
    // operator would add it (synodctl members add), under the name node2 already uses.
    Process p = io.synod.engine.cli.DemoFiles.startNode(file, log);
    try {
      Await.until(
          Duration.ofSeconds(60),
          "the duplicate's Raft peer to start",
          () -> {
            try {
              return Files.readString(log).contains("raft: peer");
            } catch (java.io.IOException e) {
              return false;
            }
          });
      int code =
          cluster.post(
              cluster.nodes().get(0).restPort,
              "/raft/members",
              "{\"raft_addr\": \"" + dupAddr + "\"}");
      assertEquals(200, code, "adding the Raft peer");
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the duplicate exits");
      String out = Files.readString(log);
      assertNotEquals(0, p.exitValue(), out);
      assertTrue(out.contains("unique name"), out);
      assertFalse(out.contains("promoted"), out);
    } finally {
      p.destroyForcibly();
      cluster.post(
          cluster.nodes().get(0).restPort,
          "/raft/members",
          "{\"raft_addr\": \"" + dupAddr + "\"}",
          "DELETE");
    }
    NodeProc leader = leaderNode();
    assertTrue(leader.writable());
    Await.until(
        FAILOVER, "two streaming replicas again", () -> cluster.streamingReplicas().size() == 2);
  }

  @Test
  @Order(4)
  void storeWatchesDoNotPileUpWhileTheClusterIdles() throws Exception {
    NodeProc n = cluster.nodes().get(0);
    int first = watches(n);
    Thread.sleep(15_000); // 30 loops at loop_wait 0.5 s
    int later = watches(n);
    System.out.println("MEASURED store watches on " + n.name + ": " + first + " -> " + later);
    assertTrue(later <= first + 2, "watches grew from " + first + " to " + later);
  }

  static int watches(NodeProc n) throws Exception {
    String body =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + n.restPort + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : body.split("\n")) {
      if (line.startsWith("synod_store_watches")) {
        return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no synod_store_watches in /metrics:\n" + body);
  }

  @Test
  @Order(3)
  void sighupReloadsInsteadOfStopping() throws Exception {
    NodeProc n = cluster.nodes().get(0);
    long before = Files.size(n.log());
    new ProcessBuilder("kill", "-HUP", String.valueOf(n.enginePid())).inheritIO().start().waitFor();
    Await.until(
        Duration.ofSeconds(20),
        "a reload line in " + n.log(),
        () -> {
          try {
            return Files.readString(n.log()).substring((int) before).contains("reload: re-read");
          } catch (java.io.IOException e) {
            return false;
          }
        });
    Thread.sleep(1000);
    assertTrue(n.alive(), "SIGHUP must not stop the node");
  }
}
