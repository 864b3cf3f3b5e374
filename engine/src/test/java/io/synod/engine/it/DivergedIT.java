package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LogsOnFailure;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * remove_data_directory_on_diverged_timelines with use_pg_rewind off, on three real nodes: the
 * primary commits rows its replicas never receive (their streaming is cut with ALTER SYSTEM, which
 * Synod overwrites when they next follow a leader), then dies; a replica takes over on a new
 * timeline. The old primary comes back with WAL past the fork point, cannot follow, removes its
 * data and is copied again: it ends up streaming, without the rows the cluster never had.
 */
class DivergedIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration SETTLE = Duration.ofSeconds(120);
  static ClusterFixture cluster;

  @RegisterExtension static final LogsOnFailure LOGS = new LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-diverged", 3, "", List.of());
    for (NodeProc n : cluster.nodes()) {
      String yml = Files.readString(n.yml);
      assertTrue(yml.contains("use_pg_rewind: true"), "the template sets use_pg_rewind");
      Files.writeString(n.yml, yml.replace("use_pg_rewind: true", "use_pg_rewind: false"));
      cluster.addToPostgresql(n.name, "  remove_data_directory_on_diverged_timelines: true\n");
    }
    cluster.startAll();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String count(NodeProc n) {
    try {
      return n.one("SELECT count(*) FROM d");
    } catch (SQLException e) {
      return null;
    }
  }

  @Test
  void anOldPrimaryWithWalPastTheForkIsCopiedAgainAndStreams() throws Exception {
    Await.until(
        FORM,
        "a primary and two streaming replicas",
        () -> cluster.streamingReplicas().size() == 2);
    NodeProc old = cluster.node(cluster.writablePrimary());
    old.exec("CREATE TABLE d (id int)");
    old.exec("INSERT INTO d SELECT generate_series(1, 10)");
    List<NodeProc> replicas = cluster.nodes().stream().filter(n -> n != old).toList();
    for (NodeProc r : replicas) {
      Await.until(SETTLE, r.name + " has the 10 rows", () -> "10".equals(count(r)));
      // cut streaming: an empty primary_conninfo stops the WAL receiver
      r.exec("ALTER SYSTEM SET primary_conninfo = ''");
      r.exec("SELECT pg_reload_conf()");
      Await.until(
          SETTLE,
          r.name + " stops streaming",
          () -> {
            try {
              return "0".equals(r.one("SELECT count(*) FROM pg_stat_wal_receiver"));
            } catch (SQLException e) {
              return false;
            }
          });
    }
    old.exec("INSERT INTO d SELECT generate_series(11, 1000)"); // acknowledged, never replicated
    old.exec("CHECKPOINT");
    NodeProc next = cluster.crashAndAwaitNewPrimary(old, SETTLE, "diverged failover");
    assertEquals("10", count(next), "the new primary has only what was replicated");
    next.exec("INSERT INTO d VALUES (-1)");

    old.start();
    Await.until(
        Duration.ofSeconds(180),
        () ->
            old.name + " copied again and streaming; streaming now: " + cluster.streamingReplicas(),
        () -> cluster.streamingReplicas().contains(old.name) && "11".equals(count(old)));
    String log = Files.readString(old.log());
    assertTrue(log.contains("remove_data_directory_on_diverged_timelines"), "the reason is logged");
    assertTrue(
        log.contains("removed the data directory of a diverged timeline"),
        "its data was removed, then copied");
  }
}
