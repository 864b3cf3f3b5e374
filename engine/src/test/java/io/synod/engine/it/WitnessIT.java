package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.cli.DemoFiles;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LiveFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two database nodes and a witness (node3: a Raft voter without PostgreSQL), each a real `synod
 * run` JVM with its Raft secret: the witness lets either database node die without losing the
 * majority, and never leads.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WitnessIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(30);
  static final String WITNESS = "node3";
  static ClusterFixture cluster;

  /** Every leader any node's /cluster named while the test ran. */
  static final Set<String> leadersSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static final AtomicReference<Thread> watcher = new AtomicReference<>();

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    // assigned before starting, so @AfterAll stops whatever did start
    cluster =
        new ClusterFixture(
            "it-witness", 3, "", List.of(), DemoFiles.Secrets.demo(), Set.of(WITNESS));
    cluster.startAll();
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                String l = cluster.leader();
                if (l != null) {
                  leadersSeen.add(l);
                }
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "witness-it-leader-watch");
    t.setDaemon(true);
    t.start();
    watcher.set(t);
  }

  @AfterAll
  static void stop() {
    Thread t = watcher.get();
    if (t != null) {
      t.interrupt();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static NodeProc leaderNode() {
    Await.until(FAILOVER, "a leader", () -> cluster.leader() != null);
    return cluster.node(cluster.leader());
  }

  static JsonNode witnessInCluster(NodeProc asked) {
    JsonNode c = ClusterFixture.get(asked.restPort, "/cluster");
    if (c == null) {
      return null;
    }
    for (JsonNode m : c.path("members")) {
      if (m.path("name").asText().equals(WITNESS)) {
        return m;
      }
    }
    return null;
  }

  @Test
  @Order(1)
  void twoDatabaseNodesAndAWitnessFormAClusterTheWitnessHoldsNoData() throws Exception {
    String leader = cluster.awaitSettled(FORM, () -> "", () -> true);
    assertNotEquals(WITNESS, leader);
    NodeProc w = cluster.node(WITNESS);
    NodeProc primary = cluster.node(leader);
    Await.until(
        FAILOVER,
        "the witness listed as a witness by " + leader,
        () -> {
          JsonNode m = witnessInCluster(primary);
          return m != null
              && "witness".equals(m.path("role").asText())
              && "running".equals(m.path("state").asText());
        });
    JsonNode m = witnessInCluster(primary);
    assertFalse(m.has("timeline") || m.has("lag") || m.has("port"), m.toString());

    JsonNode p = w.patroni();
    assertEquals("witness", p.path("role").asText(), p.toString());
    assertEquals("running", p.path("state").asText());
    assertTrue(p.path("raft").path("state").asText().startsWith("STATE_"), p.toString());
    for (String check : List.of("/primary", "/replica", "/read-only", "/health", "/leader")) {
      assertEquals(503, w.status(check), check + " on the witness");
    }
    assertEquals(200, w.status("/liveness"));
    assertEquals(200, w.status("/readiness"));
    assertEquals(
        "no action: I am node3, a witness (Raft voter, no database)",
        p.path("synod").path("decision").asText());
    assertTrue(
        Files.readString(w.log())
            .contains("no action: I am node3, a witness (Raft voter, no database)"),
        "the witness logs what it does");

    primary.exec("CREATE TABLE data (id int primary key, v text)");
    String slot = io.synod.engine.postgres.Postgres.slotNameFor(WITNESS);
    Await.until(
        Duration.ofSeconds(20),
        "the replica's slot, active",
        () -> {
          try {
            return "1"
                .equals(
                    primary.one(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'physical'"
                            + " AND active"));
          } catch (SQLException e) {
            return false;
          }
        });
    assertEquals(
        "1",
        primary.one("SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'physical'"),
        "one slot (the replica's): none holds WAL for the witness");
    assertEquals(
        "0",
        primary.one("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    assertNoPostgresData(w);
  }

  /** The witness's directory holds its Raft data and log, and nothing of PostgreSQL. */
  static void assertNoPostgresData(NodeProc w) throws IOException {
    assertFalse(Files.exists(w.dataDir()), w.dataDir() + " exists on the witness");
    List<String> pg =
        LiveFiles.regularFiles(w.nodeDir).stream()
            .map(f -> f.getFileName().toString())
            .filter(
                n ->
                    n.equals("PG_VERSION")
                        || n.equals("postmaster.pid")
                        || n.equals("pg_control")
                        || n.equals("postgresql.conf"))
            .toList();
    assertEquals(List.of(), pg, "PostgreSQL files under " + w.nodeDir);
  }

  @Test
  @Order(2)
  void killingThePrimaryNodePromotesTheOtherDatabaseNodeNeverTheWitness() throws Exception {
    NodeProc old = leaderNode();
    old.exec("INSERT INTO data VALUES (1, 'before the kill')");
    NodeProc next = cluster.crashAndAwaitNewPrimary(old, FAILOVER, "witness cluster failover");
    assertNotEquals(WITNESS, next.name);
    assertFalse(next.witness);
    assertEquals("before the kill", next.one("SELECT v FROM data WHERE id = 1"));
    next.exec("INSERT INTO data VALUES (2, 'written while the old primary was dead')");
    Await.until(
        FAILOVER, "the leader key to name " + next.name, () -> next.name.equals(cluster.leader()));

    cluster.restartAndAwaitReplica(
        old, "SELECT v FROM data WHERE id = 2", "written while the old primary was dead");
    assertEquals(next.name, cluster.writablePrimary());
    assertNoPostgresData(cluster.node(WITNESS));
  }

  @Test
  @Order(3)
  void withTheReplicaDeadThePrimaryAndTheWitnessKeepTheMajority() throws Exception {
    NodeProc primary = leaderNode();
    NodeProc replica =
        cluster.databaseNodes().stream()
            .filter(n -> !n.name.equals(primary.name))
            .findFirst()
            .orElseThrow();
    replica.killNode();
    // Well past a lease (ttl 2 s) and a Raft election: the lock must have stayed where it was.
    for (int i = 0; i < 10; i++) {
      Thread.sleep(1000);
      primary.exec("INSERT INTO data VALUES (" + (100 + i) + ", 'replica dead')");
    }
    assertEquals(primary.name, cluster.leader());
    assertEquals(primary.name, cluster.writablePrimary());
    assertEquals("f", primary.one("SELECT pg_is_in_recovery()"));
    assertEquals("10", primary.one("SELECT count(*) FROM data WHERE v = 'replica dead'"));
    assertTrue(cluster.node(WITNESS).alive(), "the witness process runs");
    assertFalse(leadersSeen.contains(WITNESS), "leaders seen: " + leadersSeen);
    assertNoPostgresData(cluster.node(WITNESS));
  }
}
