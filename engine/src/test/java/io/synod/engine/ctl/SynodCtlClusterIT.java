package io.synod.engine.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * synodctl's code driving a real three-node cluster (three `synod run` JVMs on PostgreSQL 15):
 * list, switchover, failover, restart, reinit, pause/resume, edit-config, reload, members, history.
 * Asserts behaviour only; the waits are generous bounds, not measurements.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SynodCtlClusterIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration SETTLE = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Wider HA timings than the 2 s default: these tests check the REST API, synodctl and HAProxy,
   * not failover speed, and must not turn into lease races on a loaded CI host.
   */
  static final String RELAXED = "    ttl: 6\n    loop_wait: 1\n    retry_timeout: 1\n";

  static ClusterFixture cluster;

  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-ctl", 3, RELAXED, List.of()).startAll();
    awaitHealthy();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A leader that accepts writes and two replicas streaming from it on its timeline. */
  static void awaitHealthy() {
    Await.until(
        FORM,
        () ->
            "a leader and two replicas streaming on its timeline; now: "
                + states()
                + "; logs under "
                + cluster.dir,
        () -> healthy(null));
  }

  /** Healthy, and {@code leader} (when not null) leads. */
  static boolean healthy(String leader) {
    String l = cluster.leader();
    if (l == null || (leader != null && !leader.equals(l)) || !writable(cluster.node(l))) {
      return false;
    }
    JsonNode lp = cluster.node(l).patroni();
    if (lp == null) {
      return false;
    }
    int tl = lp.path("timeline").asInt();
    for (NodeProc n : cluster.nodes()) {
      JsonNode p = n.alive() && !n.name.equals(l) ? n.patroni() : null;
      if (!n.name.equals(l)
          && (p == null
              || !"streaming".equals(p.path("replication_state").asText())
              || p.path("timeline").asInt() != tl)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Each node's state, role, replication state, timeline and last decision (for failure messages).
   */
  static String states() {
    List<String> out = new ArrayList<>();
    for (NodeProc n : cluster.nodes()) {
      JsonNode p = n.alive() ? n.patroni() : null;
      out.add(
          n.name
              + "="
              + (p == null
                  ? "no answer"
                  : p.path("role").asText()
                      + "/"
                      + p.path("state").asText()
                      + "/"
                      + p.path("replication_state").asText("-")
                      + "/TL"
                      + p.path("timeline").asText()
                      + " ("
                      + p.path("synod").path("decision").asText()
                      + ")"));
    }
    return String.join("; ", out);
  }

  static Run ctl(String... args) {
    ClusterFixture.Ctl c = cluster.ctl(args);
    return new Run(c.code(), c.out(), c.err());
  }

  static boolean writable(NodeProc n) {
    try (Connection c = n.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ctl_probe (t timestamptz)");
      s.execute("INSERT INTO ctl_probe VALUES (now())");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  static List<String> replicas() {
    String leader = cluster.leader();
    return cluster.nodes().stream().map(n -> n.name).filter(n -> !n.equals(leader)).toList();
  }

  @Test
  @Order(1)
  void listShowsTheClusterAsPatronictlDoes() throws Exception {
    Run r = ctl("list");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("+ Cluster: it-ctl ("), r.out());
    for (NodeProc n : cluster.nodes()) {
      assertTrue(r.out().contains("| " + n.name + " "), r.out());
    }
    assertEquals(1, r.out().split("\\| Leader ", -1).length - 1, r.out());
    assertEquals(2, r.out().split("\\| streaming ", -1).length - 1, r.out());
    JsonNode json = JSON.readTree(ctl("list", "-f", "json").out());
    assertEquals(3, json.size());
    Run members = ctl("members", "list");
    assertEquals(0, members.code(), members.toString());
    assertEquals(1, members.out().split("\\| leader ", -1).length - 1, members.out());
    assertEquals(2, members.out().split("\\| follower ", -1).length - 1, members.out());
    assertEquals(
        "host=127.0.0.1 port=" + cluster.node(cluster.leader()).pgPort + "\n", ctl("dsn").out());
  }

  @Test
  @Order(2)
  void switchoverToACandidate() {
    String old = cluster.leader();
    String target = replicas().get(0);
    Run r = ctl("switchover", "--leader", old, "--candidate", target, "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Successfully switched over to \"" + target + "\""), r.out());
    Await.until(
        SETTLE,
        () ->
            "the new leader "
                + target
                + " with both replicas streaming on its timeline; now: "
                + states(),
        () -> healthy(target));
    Run history = ctl("history", "-f", "json");
    assertTrue(history.out().contains(target), history.out());
  }

  @Test
  @Order(3)
  void failoverToAReplicaWhileTheLeaderRuns() {
    String old = cluster.leader();
    String target = replicas().get(1);
    Run r = ctl("failover", "--candidate", target, "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Successfully failed over to \"" + target + "\""), r.out());
    Await.until(
        SETTLE,
        () ->
            "the new leader "
                + target
                + " with both replicas streaming on its timeline; now: "
                + states(),
        () -> healthy(target));
  }

  @Test
  @Order(4)
  void restartKeepsTheLeader() throws Exception {
    awaitHealthy();
    String leader = cluster.leader();
    NodeProc l = cluster.node(leader);
    String replica = replicas().get(0);
    NodeProc rp = cluster.node(replica);
    long leaderPid = l.postmasterPid().orElseThrow();
    long replicaPid = rp.postmasterPid().orElseThrow();
    Run r = ctl("restart", leader, replica, "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Success: restart on member " + leader), r.out());
    assertTrue(r.out().contains("Success: restart on member " + replica), r.out());
    assertNotEquals(
        leaderPid, l.postmasterPid().orElse(leaderPid), "the leader's postmaster was restarted");
    assertNotEquals(
        replicaPid,
        rp.postmasterPid().orElse(replicaPid),
        "the replica's postmaster was restarted");
    Await.until(
        SETTLE,
        () -> "the same leader accepting writes, two streaming replicas; now: " + states(),
        () -> healthy(leader));
    Run refused = ctl("restart", replica, "--force", "--role", "primary");
    assertEquals(1, refused.code(), refused.toString());
    assertTrue(refused.err().contains("No 'primary' among provided members"), refused.err());
    Run conditions = ctl("restart", replica, "--force", "--pg-version", "9.6.1");
    assertEquals(1, conditions.code(), conditions.toString());
    assertTrue(conditions.out().contains("restart conditions are not satisfied"), conditions.out());
  }

  @Test
  @Order(5)
  void reinitClonesAReplicaAgain() throws Exception {
    String leader = cluster.leader();
    String replica = replicas().get(0);
    NodeProc rp = cluster.node(replica);
    try (Connection c = cluster.node(leader).connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS reinit_marker (v text)");
      s.execute("INSERT INTO reinit_marker VALUES ('before reinit')");
    }
    long pid = rp.postmasterPid().orElseThrow();
    Run r = ctl("reinit", replica, "--force", "--wait");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Success: reinitialize for member " + replica), r.out());
    assertTrue(r.out().contains("Reinitialize is completed on: " + replica), r.out());
    assertNotEquals(pid, rp.postmasterPid().orElse(pid));
    Await.until(
        SETTLE,
        replica + " streaming again with the leader's data",
        () -> {
          try {
            return cluster.streamingReplicas().contains(replica)
                && "before reinit".equals(rp.one("SELECT v FROM reinit_marker LIMIT 1"));
          } catch (SQLException e) {
            return false;
          }
        });
    Run onLeader = ctl("reinit", leader, "--force");
    assertEquals(1, onLeader.code(), onLeader.toString());
    assertTrue(onLeader.out().contains("I am the leader, can not reinitialize"), onLeader.out());
  }

  @Test
  @Order(6)
  void pauseAndResume() {
    Run p = ctl("pause", "--wait");
    assertEquals(0, p.code(), p.toString());
    assertTrue(p.out().contains("Success: cluster management is paused"), p.out());
    for (NodeProc n : cluster.nodes()) {
      assertTrue(n.patroni().path("pause").asBoolean(), n.name + " reports pause");
    }
    assertTrue(ctl("list").out().contains(" Maintenance mode: on"));
    assertTrue(ctl("show-config").out().contains("pause: true"));
    Run again = ctl("pause");
    assertEquals(1, again.code());
    Run r = ctl("resume", "--wait");
    assertEquals(0, r.code(), r.toString());
    for (NodeProc n : cluster.nodes()) {
      assertFalse(n.patroni().path("pause").asBoolean(), n.name + " reports no pause");
    }
    assertFalse(ctl("list").out().contains("Maintenance mode"));
  }

  @Test
  @Order(7)
  void editConfigReachesPostgresql() {
    Run r = ctl("edit-config", "-p", "work_mem=7MB", "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.out().contains("work_mem: 7MB") && r.out().contains("Configuration changed"), r.out());
    NodeProc leader = cluster.node(cluster.leader());
    Await.until(
        SETTLE,
        "work_mem = 7MB on the leader",
        () -> {
          try {
            return "7MB".equals(leader.one("SHOW work_mem"));
          } catch (SQLException e) {
            return false;
          }
        });
    Run bad = ctl("edit-config", "-s", "ttl=0", "--force", "-q");
    assertEquals(1, bad.code(), bad.toString());
    assertFalse(ctl("show-config").out().contains("ttl: 0"));
    Run reload = ctl("reload", "--force");
    assertEquals(0, reload.code(), reload.toString());
    assertEquals(3, reload.out().split("Reload request received", -1).length - 1, reload.out());
  }
}
