package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LogsOnFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where replicas get their data, on four real `synod run` nodes: node1 leads (the others have
 * nofailover); node2 streams from it; node3 is created by a custom create_replica_methods script
 * (after a failing method) and cascades from node2 (tags.replicatefrom), falling back to the leader
 * while node2 is down; node4 streams nothing (tags.nostream) and replays the WAL archive the
 * primary fills. Replication is read where PostgreSQL reports it (pg_stat_replication,
 * pg_stat_wal_receiver, pg_replication_slots), not from Synod's own view.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaSourcesIT {
  static final Duration FORM = Duration.ofSeconds(180);
  static final Duration SETTLE = Duration.ofSeconds(60);
  static ClusterFixture cluster;
  static Path archive;
  static Path cloneScript;

  @RegisterExtension static final LogsOnFailure LOGS = new LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    archive = Files.createTempDirectory("synod-it-archive-");
    // the postmasters run as the postgres user
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwxrwxrwx"));
    cluster =
        new ClusterFixture(
            "it-cascade",
            4,
            "",
            List.of(
                "",
                "  nofailover: true\n",
                "  nofailover: true\n  replicatefrom: node2\n",
                "  nofailover: true\n  nostream: true\n"));
    String params =
        "  parameters:\n"
            + "    archive_mode: 'on'\n"
            + "    archive_command: 'test ! -f "
            + archive
            + "/%f && cp %p "
            + archive
            + "/%f'\n"
            + "    restore_command: 'cp "
            + archive
            + "/%f %p'\n"
            + "    wal_retrieve_retry_interval: 1s\n";
    for (NodeProc n : cluster.nodes()) {
      cluster.addToPostgresql(n.name, params);
    }
    Path script = archive.getParent().resolve(archive.getFileName() + "-clone.sh");
    cloneScript = script;
    Files.writeString(
        script,
        "#!/bin/bash\n"
            + "# a custom replica method: records its arguments, then clones from --connstring\n"
            + "set -eu\n"
            + "printf '%s\\n' \"$@\" > \"$0.args\"\n"
            + "for a in \"$@\"; do case \"$a\" in --datadir=*) d=\"${a#--datadir=}\";;"
            + " --connstring=*) c=\"${a#--connstring=}\";; esac; done\n"
            + "/usr/lib/postgresql/15/bin/pg_basebackup -D \"$d\" -X stream -c fast -w -d \"$c\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    cluster.addToPostgresql(
        "node3",
        "  create_replica_methods: [broken, copy, basebackup]\n"
            + "  broken:\n"
            + "    command: /bin/false\n"
            + "  copy:\n"
            + "    command: "
            + script
            + "\n"
            + "    stanza: it\n");
    // node4's clone is slowed down (and the leader given some data) so that it lasts several
    // lease periods: the first test watches it from the outside
    cluster.addToPostgresql("node4", "  basebackup:\n    max-rate: 6M\n");
    for (String n : List.of("node1", "node2", "node3")) {
      cluster.node(n).start();
    }
    Await.until(FORM, "node1 to accept writes", () -> cluster.node("node1").writable());
    cluster.node("node1").exec("CREATE TABLE IF NOT EXISTS t (id int primary key, v text)");
    cluster
        .node("node1")
        .exec(
            "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 80000) g");
  }

  @Test
  @Order(0)
  void node4sLongCloneRunsBesideTheLoopAndStaysListedWithItsProgress() throws Exception {
    NodeProc node1 = cluster.node("node1");
    NodeProc node4 = cluster.node("node4");
    node4.start();
    Set<String> states = new TreeSet<>();
    Set<String> progress = new TreeSet<>();
    int seen = 0;
    int missingAfterSeen = 0;
    long deadline = System.nanoTime() + FORM.toNanos();
    while (!isStandby(node4) && System.nanoTime() < deadline) {
      JsonNode c = ClusterFixture.get(node1.restPort, "/cluster");
      JsonNode me = null;
      Iterable<JsonNode> members = c == null ? List.of() : iterable(c.path("members"));
      for (JsonNode m : members) {
        if (m.path("name").asText().equals("node4")) {
          me = m;
        }
      }
      if (me == null) {
        missingAfterSeen += seen > 0 ? 1 : 0;
      } else {
        seen++;
        states.add(me.path("state").asText());
        if (me.has("progress")) {
          progress.add(me.path("progress").asText());
        }
      }
      Thread.sleep(200);
    }
    System.out.println("node4 states " + states + ", progress " + progress);
    assertTrue(states.contains("creating replica"), "states seen: " + states);
    assertTrue(
        progress.stream().anyMatch(p -> p.matches("\\d+% \\(.* of .*\\)")), progress.toString());
    assertTrue(progress.size() >= 2, "the figures move while it copies: " + progress);
    assertEquals(0, missingAfterSeen, "node4's member key never expired during its clone");
    assertTrue(
        Files.readString(node4.log()).contains("creating replica: pg_basebackup"),
        "the log shows the figures");
  }

  /** node3's log lines about creating its replica, in order. */
  static String cloneLines(String log) {
    return log.lines()
        .filter(l -> l.matches(".* (ha|Postgres): .*(replica|clon|copy|rewind|removing).*"))
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  static Iterable<JsonNode> iterable(JsonNode arr) {
    return arr::elements;
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (cloneScript != null) {
        Files.deleteIfExists(cloneScript);
        Files.deleteIfExists(Path.of(cloneScript + ".args"));
      }
      if (archive != null) {
        try (Stream<Path> s = Files.walk(archive)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** application_name of each walsender on {@code n} (its pg_stat_replication). */
  static Set<String> walSenders(NodeProc n) {
    return column(n, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
  }

  static Set<String> slots(NodeProc n) {
    return column(n, "SELECT slot_name FROM pg_replication_slots");
  }

  static Set<String> column(NodeProc n, String sql) {
    Set<String> out = new TreeSet<>();
    try (Connection c = n.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    } catch (SQLException e) {
      out.add("<" + e.getMessage() + ">");
    }
    return out;
  }

  static String value(NodeProc n, int id) {
    try {
      return n.one("SELECT v FROM t WHERE id = " + id);
    } catch (SQLException e) {
      return null;
    }
  }

  static void awaitRow(NodeProc n, int id, String v, Duration within) {
    Await.until(
        within, () -> "row " + id + " = " + v + " on " + n.name, () -> v.equals(value(n, id)));
  }

  @Test
  @Order(1)
  void node3StreamsFromNode2AndTheLeaderServesOnlyNode2() throws Exception {
    NodeProc node1 = cluster.node("node1");
    NodeProc node2 = cluster.node("node2");
    NodeProc node3 = cluster.node("node3");
    Await.until(
        SETTLE,
        () ->
            "node2 -> node3 cascade; node1 sends to "
                + walSenders(node1)
                + ", node2 to "
                + walSenders(node2),
        () ->
            walSenders(node2).equals(Set.of("node3")) && walSenders(node1).equals(Set.of("node2")));
    assertEquals("streaming", node3.one("SELECT status FROM pg_stat_wal_receiver"));
    assertEquals(
        "t",
        node3.one("SELECT conninfo LIKE '%port=" + node2.pgPort + "%' FROM pg_stat_wal_receiver"),
        "node3's WAL receiver connects to node2's port");
    node1.exec("INSERT INTO t VALUES (1, 'through node2')");
    awaitRow(node3, 1, "through node2", Duration.ofSeconds(20));
    // The leader keeps slots only for the members that stream from it; node2 keeps node3's,
    // which node3's WAL receiver uses.
    Await.until(
        SETTLE,
        () -> "slots: node1 " + slots(node1) + ", node2 " + slots(node2),
        () -> slots(node1).equals(Set.of("node2")) && slots(node2).contains("node3"));
    assertEquals(
        "t",
        node2.one("SELECT active FROM pg_replication_slots WHERE slot_name = 'node3'"),
        "node3 streams through its slot on node2");
    JsonNode p = node3.patroni();
    assertEquals("streaming", p.path("replication_state").asText());
  }

  @Test
  @Order(2)
  void node3WasCreatedByItsCustomMethodAfterTheFailingOne() throws Exception {
    NodeProc node1 = cluster.node("node1");
    NodeProc node3 = cluster.node("node3");
    List<String> args = Files.readAllLines(Path.of(cloneScript + ".args"));
    assertEquals(
        List.of(
            "--stanza=it",
            "--scope=it-cascade",
            "--role=replica",
            "--datadir=" + node3.dataDir(),
            "--connstring=dbname=postgres host=127.0.0.1 port="
                + node1.pgPort
                + " user=replicator"),
        args);
    String log = Files.readString(node3.log());
    String lines = cloneLines(log);
    assertTrue(log.contains("replica has been created using copy"), "the custom method did it");
    assertFalse(log.contains("replica has been created using basebackup"), lines);
    // Each attempt runs the methods in order: broken (fails), then copy, then basebackup only
    // when copy failed too. A loaded host can make an attempt fail (the primary's fence stops it
    // when a Raft election outlasts the lease), and the next attempt starts from broken again.
    int attempts = 0;
    boolean brokenFailed = false;
    boolean copyFailed = false;
    for (String l : lines.lines().toList()) {
      if (l.contains("creating the replica with broken:")) {
        attempts++;
        brokenFailed = false;
        copyFailed = false;
      } else if (l.contains("creating the replica with broken failed")) {
        brokenFailed = true;
      } else if (l.contains("creating the replica with copy:")) {
        assertTrue(brokenFailed, "copy ran only after broken failed:\n" + lines);
      } else if (l.contains("creating the replica with copy failed")) {
        copyFailed = true;
      } else if (l.contains("cloning 127.0.0.1")) {
        assertTrue(
            copyFailed, "basebackup, the last resort, ran only after copy failed:\n" + lines);
      }
    }
    assertTrue(attempts >= 1, "the failing method ran first:\n" + lines);
  }

  @Test
  @Order(3)
  void node4ReplaysTheArchiveWithoutStreaming() throws Exception {
    NodeProc node1 = cluster.node("node1");
    NodeProc node4 = cluster.node("node4");
    Await.until(SETTLE, "node4 to accept read-only queries", () -> isStandby(node4));
    assertEquals("0", node4.one("SELECT count(*) FROM pg_stat_wal_receiver"), "no WAL receiver");
    assertEquals(
        "",
        node4.one("SELECT current_setting('primary_conninfo')"),
        "nostream: no primary_conninfo");
    assertFalse(walSenders(node1).contains("node4"));
    assertFalse(slots(node1).contains("node4"), "no slot for a member that never streams");
    node1.exec("INSERT INTO t VALUES (2, 'from the archive')");
    node1.exec("SELECT pg_switch_wal()");
    awaitRow(node4, 2, "from the archive", Duration.ofSeconds(60));
    JsonNode p = node4.patroni();
    assertEquals("in archive recovery", p.path("replication_state").asText(), p.toString());
    assertTrue(
        Files.readString(node4.log()).contains("replaying WAL from the archive (nostream)"),
        "node4 says why it does not stream");
  }

  static boolean isStandby(NodeProc n) {
    try {
      return "t".equals(n.one("SELECT pg_is_in_recovery()"));
    } catch (SQLException e) {
      return false;
    }
  }

  @Test
  @Order(4)
  void whileNode2IsDownNode3StreamsFromTheLeaderAndReturnsAfter() throws Exception {
    NodeProc node1 = cluster.node("node1");
    NodeProc node2 = cluster.node("node2");
    NodeProc node3 = cluster.node("node3");
    node2.killNode();
    Await.until(
        SETTLE,
        () -> "node3 to stream from the leader; node1 sends to " + walSenders(node1),
        () -> walSenders(node1).contains("node3"));
    node1.exec("INSERT INTO t VALUES (3, 'while node2 is down')");
    awaitRow(node3, 3, "while node2 is down", Duration.ofSeconds(20));
    assertTrue(
        Files.readString(node3.log())
            .contains(
                "following the leader node1: node2, my replicatefrom, is not a running replica"),
        "node3 says why it left node2");

    node2.start();
    Await.until(
        Duration.ofSeconds(120),
        () ->
            "node3 back on node2; node1 sends to "
                + walSenders(node1)
                + ", node2 to "
                + walSenders(node2),
        () -> walSenders(node2).equals(Set.of("node3")) && !walSenders(node1).contains("node3"));
    node1.exec("INSERT INTO t VALUES (4, 'node2 is back')");
    awaitRow(node3, 4, "node2 is back", Duration.ofSeconds(20));
    awaitRow(node2, 4, "node2 is back", Duration.ofSeconds(20));
  }
}
