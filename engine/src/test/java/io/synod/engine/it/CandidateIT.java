package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may be promoted: a replica lagging beyond maximum_lag_on_failover is not, a nofailover member
 * never is, and with no eligible candidate nobody promotes and each node says why.
 */
class CandidateIT {
  static ClusterFixture cluster;

  @BeforeAll
  static void start() throws Exception {
    // node2 can never be promoted; maximum_lag_on_failover is Synod's default (1 MB)
    cluster =
        new ClusterFixture("it-candidates", 3, "", List.of("", "  nofailover: true\n", ""))
            .startAll();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void noEligibleCandidateMeansNoPromotionAndTheReasonIsLogged() throws Exception {
    Await.until(
        Duration.ofSeconds(150),
        "1 leader + 2 streaming replicas",
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
    NodeProc leader = cluster.node(cluster.leader());
    assertNotEquals("node2", leader.name, "a nofailover member must not bootstrap the cluster");
    NodeProc lagging = cluster.node(leader.name.equals("node1") ? "node3" : "node1");

    // Freeze the eligible replica's WAL receiver, then write well past maximum_lag_on_failover.
    long walReceiver = Long.parseLong(lagging.one("SELECT pid FROM pg_stat_wal_receiver"));
    ProcessHandle receiver = ProcessHandle.of(walReceiver).orElseThrow();
    new ProcessBuilder("kill", "-STOP", Long.toString(walReceiver)).start().waitFor();
    try {
      try (Connection c = leader.connect();
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE bulk AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 40000) g");
      }
      Await.until(
          Duration.ofSeconds(20),
          "the leader to publish an optime more than 1 MB past " + lagging.name,
          () -> {
            var c = ClusterFixture.get(leader.restPort, "/cluster");
            if (c == null) {
              return false;
            }
            for (var m : c.path("members")) {
              if (m.path("name").asText().equals(lagging.name)
                  && m.path("lag").asLong(0) > 1_048_576) {
                return true;
              }
            }
            return false;
          });
      leader.killNode();

      // Nobody may promote: wait well past the lease (ttl 2 s) plus a few loops, checking all
      // along.
      long until = System.nanoTime() + Duration.ofSeconds(12).toNanos();
      while (System.nanoTime() < until) {
        assertNull(cluster.writablePrimary(), "no member may become primary");
        for (NodeProc n : List.of(lagging, cluster.node("node2"))) {
          assertEquals("t", n.one("SELECT pg_is_in_recovery()"), n.name + " must stay a replica");
        }
        Thread.sleep(500);
      }
      String lagLog = Files.readString(lagging.log());
      assertTrue(
          lagLog.contains("exceeds maximum_lag_on_failover"),
          "the lagging replica logs why it does not promote");
      String nfLog = Files.readString(cluster.node("node2").log());
      assertTrue(
          nfLog.contains("not a failover candidate (nofailover"),
          "the nofailover member logs why it does not promote");
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(walReceiver)).start().waitFor();
      assertNotNull(receiver);
    }
  }
}
