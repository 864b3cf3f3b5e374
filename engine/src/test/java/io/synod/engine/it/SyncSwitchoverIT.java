package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Switchovers in {@code synchronous_mode: on} on a real three-node cluster, as a user asks for them
 * (POST /switchover): without a candidate the synchronous standby takes over; a named candidate
 * that is not a synchronous standby is refused with the reason; the synchronous standby named as
 * candidate takes over. A row committed before each switchover is on the new primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncSwitchoverIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration SETTLE = Duration.ofSeconds(90);
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster =
        new ClusterFixture("it-sync-switchover", 3, "    synchronous_mode: true\n", List.of())
            .startAll();
    settled();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One writable leader, two streaming replicas, and the sync key naming one of them. */
  static String settled() {
    return cluster.awaitSettled(FORM, () -> "sync=" + syncStandby(), () -> syncStandby() != null);
  }

  /**
   * The one member GET /cluster shows as sync_standby (from the sync key), or null; null too while
   * the key names two voters (a new primary widens the key before it narrows it).
   */
  static String syncStandby() {
    String leader = cluster.leader();
    if (leader == null) {
      return null;
    }
    JsonNode c = ClusterFixture.get(cluster.node(leader).restPort, "/cluster");
    if (c == null) {
      return null;
    }
    List<String> sync = new java.util.ArrayList<>();
    for (JsonNode m : c.path("members")) {
      if ("sync_standby".equals(m.path("role").asText())) {
        sync.add(m.path("name").asText());
      }
    }
    return sync.size() == 1 ? sync.get(0) : null;
  }

  static String write(String leader, String value) throws SQLException {
    try (Connection c = cluster.node(leader).connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS switch_marks (v text)");
      s.execute("INSERT INTO switch_marks VALUES ('" + value + "')");
    }
    return value;
  }

  static boolean has(String node, String value) throws SQLException {
    try (Connection c = cluster.node(node).connect();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery("SELECT count(*) FROM switch_marks WHERE v = '" + value + "'")) {
      return r.next() && r.getLong(1) == 1;
    }
  }

  @Test
  @Order(1)
  void withoutACandidateTheSynchronousStandbyTakesOver() throws Exception {
    String old = settled();
    String sync = syncStandby();
    String mark = write(old, "before-1");
    int code =
        cluster.post(cluster.node(old).restPort, "/switchover", "{\"leader\": \"" + old + "\"}");
    assertEquals(200, code, "POST /switchover with only the leader");
    String now = settled();
    assertEquals(sync, now, "the synchronous standby, not the other replica");
    assertTrue(has(now, mark), "the row committed before the switchover");
    assertTrue(cluster.streamingReplicas().contains(old), old + " streams from " + now);
  }

  @Test
  @Order(2)
  void aCandidateThatIsNotASynchronousStandbyIsRefusedWithTheReason() throws Exception {
    String old = settled();
    String sync = syncStandby();
    NodeProc other =
        cluster.nodes().stream()
            .filter(n -> !n.name.equals(old) && !n.name.equals(sync))
            .findFirst()
            .orElseThrow();
    cluster.assertSwitchoverRefused(
        old, other.name, "not a synchronous standby", "only a synchronous standby may take over");
  }

  @Test
  @Order(3)
  void theSynchronousStandbyNamedAsCandidateTakesOver() throws Exception {
    String old = settled();
    String sync = syncStandby();
    String mark = write(old, "before-3");
    int code =
        cluster.post(
            cluster.node(sync).restPort,
            "/switchover",
            "{\"leader\": \"" + old + "\", \"candidate\": \"" + sync + "\"}");
    assertEquals(200, code);
    String now = settled();
    assertEquals(sync, now);
    assertTrue(has(now, mark), "the row committed before the switchover");
  }
}
