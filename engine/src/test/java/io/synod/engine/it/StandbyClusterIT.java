package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.ctl.SynodCtl;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LogsOnFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A disaster-recovery pair of real clusters: "main" (one node) and "site", a three-node standby
 * cluster (bootstrap.dcs.standby_cluster) replicating from main's primary. The site's standby
 * leader streams from main and its other members cascade from it; nothing on the site takes writes.
 * Its standby leader is killed and replaced; then `synodctl promote-cluster` makes the site a
 * primary cluster, and `synodctl demote-cluster` turns main into a standby cluster of the site
 * (pg_rewind included), so the round trip a DBA runs in a DR drill is covered end to end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyClusterIT {
  static final Duration FORM = Duration.ofSeconds(180);
  static final Duration SETTLE = Duration.ofSeconds(90);
  static ClusterFixture main;
  static ClusterFixture site;

  @RegisterExtension static final LogsOnFailure MAIN_LOGS = new LogsOnFailure(() -> main);
  @RegisterExtension static final LogsOnFailure SITE_LOGS = new LogsOnFailure(() -> site);

  @BeforeAll
  static void start() throws Exception {
    main = new ClusterFixture("it-dr-main", 1, "", List.of());
    main.startAll();
    NodeProc m = main.node("node1");
    Await.until(FORM, "main's node1 to accept writes", m::writable);
    m.exec("CREATE TABLE dr (id int primary key, v text)");
    m.exec("INSERT INTO dr VALUES (1, 'before the site existed')");
    site =
        new ClusterFixture(
            "it-dr-site",
            3,
            "    standby_cluster:\n      host: 127.0.0.1\n      port: " + m.pgPort + "\n",
            List.of());
    site.startAll();
  }

  @AfterAll
  static void stop() {
    try {
      if (site != null) {
        site.close();
      }
    } finally {
      if (main != null) {
        main.close();
      }
    }
  }

  static String row(NodeProc n, int id) {
    try {
      return n.one("SELECT v FROM dr WHERE id = " + id);
    } catch (SQLException e) {
      return null;
    }
  }

  static void awaitRow(List<NodeProc> nodes, int id, String v) {
    for (NodeProc n : nodes) {
      Await.until(SETTLE, () -> "row " + id + " on " + n.name, () -> v.equals(row(n, id)));
    }
  }

  /** The site node answering 200 on /standby-leader, or null. */
  static NodeProc standbyLeader() {
    for (NodeProc n : site.nodes()) {
      if (n.alive() && n.status("/standby-leader") == 200) {
        return n;
      }
    }
    return null;
  }

  static List<NodeProc> alive(ClusterFixture c) {
    return c.nodes().stream().filter(NodeProc::alive).toList();
  }

  static String[] ctl(ClusterFixture c, String... args) {
    List<String> all = new ArrayList<>();
    all.add("--api");
    all.add(
        c.nodes().stream()
            .filter(NodeProc::alive)
            .map(n -> "127.0.0.1:" + n.restPort)
            .collect(Collectors.joining(",")));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        SynodCtl.run(
            all.toArray(new String[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(new byte[0]),
            Map.of());
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.println("synodctl " + String.join(" ", args) + " -> " + code + "\n" + text);
    return new String[] {Integer.toString(code), text};
  }

  @Test
  @Order(1)
  void theSiteFollowsMainThroughItsStandbyLeaderAndTakesNoWrites() throws Exception {
    Await.until(FORM, "a standby leader on the site", () -> standbyLeader() != null);
    NodeProc sl = standbyLeader();
    awaitRow(site.nodes(), 1, "before the site existed");
    main.node("node1").exec("INSERT INTO dr VALUES (2, 'streamed to the site')");
    awaitRow(site.nodes(), 2, "streamed to the site");
    assertEquals(
        "t",
        sl.one(
            "SELECT conninfo LIKE '%port="
                + main.node("node1").pgPort
                + "%' FROM pg_stat_wal_receiver"),
        "the standby leader streams from main's primary");
    Await.until(
        SETTLE,
        "both other site members to stream from the standby leader",
        () -> {
          try {
            return "2".equals(sl.one("SELECT count(*) FROM pg_stat_replication"));
          } catch (SQLException e) {
            return false;
          }
        });
    for (NodeProc n : site.nodes()) {
      assertEquals("t", n.one("SELECT pg_is_in_recovery()"), n.name + " is a standby");
      assertFalse(n.writable(), n.name + " takes no writes");
      assertEquals(503, n.status("/primary"), n.name + " is not a primary for HAProxy");
    }
    assertEquals(200, sl.status("/leader"));
    assertEquals("standby_leader", sl.patroni().path("role").asText());
    // the site's system identifier is main's: the standby cluster was cloned from it
    assertEquals(
        main.node("node1").one("SELECT system_identifier FROM pg_control_system()"),
        sl.one("SELECT system_identifier FROM pg_control_system()"));
    String[] list = ctl(site, "list");
    assertTrue(list[1].contains("Standby Leader"), list[1]);
    // a switchover inside a standby cluster is refused with the reason
    int code = site.post(sl.restPort, "/switchover", "{\"leader\": \"" + sl.name + "\"}");
    assertEquals(412, code);
  }

  @Test
  @Order(2)
  void aKilledStandbyLeaderIsReplacedAndTheNewOneFollowsMain() throws Exception {
    NodeProc old = standbyLeader();
    old.killNode();
    Await.until(
        SETTLE,
        "another standby leader",
        () -> {
          NodeProc n = standbyLeader();
          return n != null && n != old;
        });
    NodeProc next = standbyLeader();
    main.node("node1").exec("INSERT INTO dr VALUES (3, 'after the standby leader died')");
    awaitRow(alive(site), 3, "after the standby leader died");
    assertFalse(next.writable(), "the new standby leader was not promoted");
    old.start();
    awaitRow(List.of(old), 3, "after the standby leader died");
  }

  @Test
  @Order(3)
  void promoteClusterMakesTheStandbyLeaderAWritablePrimary() throws Exception {
    NodeProc sl = standbyLeader();
    String[] r = ctl(site, "promote-cluster", "--force");
    assertEquals("0", r[0], r[1]);
    Await.until(SETTLE, sl.name + " to accept writes", sl::writable);
    sl.exec("INSERT INTO dr VALUES (4, 'written on the promoted site')");
    awaitRow(alive(site), 4, "written on the promoted site");
    assertEquals(200, sl.status("/primary"));
    assertEquals(503, sl.status("/standby-leader"));
    assertEquals("1", sl.one("SELECT count(*) FROM dr WHERE id = 3"), "nothing lost");
  }

  @Test
  @Order(4)
  void demoteClusterTurnsMainIntoAStandbyOfTheSite() throws Exception {
    NodeProc sitePrimary =
        site.nodes().stream().filter(n -> n.alive() && n.writable()).findFirst().orElseThrow();
    NodeProc m = main.node("node1");
    String[] r =
        ctl(
            main,
            "demote-cluster",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(sitePrimary.pgPort),
            "--force");
    assertEquals("0", r[0], r[1]);
    Await.until(
        SETTLE, "main's node1 to answer /standby-leader", () -> m.status("/standby-leader") == 200);
    sitePrimary.exec("INSERT INTO dr VALUES (5, 'from the site back to main')");
    awaitRow(List.of(m), 5, "from the site back to main");
    assertFalse(m.writable(), "main takes no writes any more");
    assertTrue(
        java.nio.file.Files.readString(m.log())
            .contains(
                "pg_rewind against the remote primary 127.0.0.1:" + sitePrimary.pgPort + " done"),
        "main's old primary was rewound onto the site's timeline");
    String[] again = ctl(main, "demote-cluster", "--host", "127.0.0.1", "--force");
    assertEquals("1", again[0], "already a standby cluster: " + again[1]);
  }
}
