package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Switchovers as a user asks for them (POST /switchover, what synodctl sends) on a real
 * asynchronous three-node cluster: without a candidate, to a candidate, scheduled, and to a lagging
 * candidate (refused with the reason). After each, exactly one primary and the old one streams.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwitchoverIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration SETTLE = Duration.ofSeconds(90);
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-switchover", 3, "", List.of()).startAll();
    settled();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One writable primary that leads, two streaming replicas. */
  static String settled() {
    return cluster.awaitSettled(FORM, () -> "", () -> true);
  }

  static NodeProc other(String... not) {
    List<String> no = List.of(not);
    return cluster.nodes().stream().filter(n -> !no.contains(n.name)).findFirst().orElseThrow();
  }

  @Test
  @Order(1)
  void withoutACandidateTheHealthiestReplicaTakesOverAndTheOldPrimaryFollows() throws Exception {
    String old = settled();
    int tlBefore =
        Integer.parseInt(cluster.node(old).one("SELECT timeline_id FROM pg_control_checkpoint()"));
    int code =
        cluster.post(cluster.node(old).restPort, "/switchover", "{\"leader\": \"" + old + "\"}");
    assertEquals(200, code, "POST /switchover with only the leader");
    String now = settled();
    assertNotEquals(old, now);
    assertTrue(cluster.streamingReplicas().contains(old), old + " streams from " + now);
    int tlAfter =
        Integer.parseInt(cluster.node(now).one("SELECT timeline_id FROM pg_control_checkpoint()"));
    assertEquals(tlBefore + 1, tlAfter, "one promotion, not two");
  }

  @Test
  @Order(2)
  void toANamedCandidate() throws Exception {
    String old = settled();
    NodeProc target = other(old);
    int code =
        cluster.post(
            target.restPort,
            "/switchover",
            "{\"leader\": \"" + old + "\", \"candidate\": \"" + target.name + "\"}");
    assertEquals(200, code);
    assertEquals(target.name, settled());
  }

  @Test
  @Order(3)
  void aScheduledSwitchoverHappensAtItsTime() throws Exception {
    String old = settled();
    NodeProc target = other(old);
    OffsetDateTime at = OffsetDateTime.now().plusSeconds(6);
    int code =
        cluster.post(
            target.restPort,
            "/switchover",
            "{\"leader\": \""
                + old
                + "\", \"candidate\": \""
                + target.name
                + "\", \"scheduled_at\": \""
                + at
                + "\"}");
    assertEquals(202, code);
    Thread.sleep(2000);
    assertEquals(old, cluster.leader(), "not before its time");
    Await.until(SETTLE, "the scheduled switchover", () -> target.name.equals(cluster.leader()));
    assertEquals(target.name, settled());
  }

  @Test
  @Order(4)
  void aSwitchoverToALaggingCandidateIsRefusedWithTheReason() throws Exception {
    String old = settled();
    NodeProc leader = cluster.node(old);
    NodeProc target = other(old);
    // Freeze the candidate's WAL receiver (SIGSTOP): it keeps running but receives nothing.
    String pid = target.one("SELECT pid FROM pg_stat_wal_receiver");
    assertNotNull(pid);
    new ProcessBuilder("kill", "-STOP", pid).inheritIO().start().waitFor();
    try {
      try (Connection c = leader.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS filler (b text)");
        s.execute("INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 5000)");
      }
      cluster.assertSwitchoverRefused(
          old, target.name, "lags by", "a lagging candidate must not take over");
    } finally {
      new ProcessBuilder("kill", "-CONT", pid).inheritIO().start().waitFor();
    }
    settled();
  }
}
