package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Maintenance mode (pause): the engine of the primary can die without a failover, and come back.
 */
class PauseIT {
  static ClusterFixture cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-pause", 3, "", List.of()).startAll();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static int patchConfig(NodeProc n, String json) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.restPort + "/config"))
            .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .build();
    return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static String inRecovery(NodeProc n) {
    try (Connection c = n.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
      r.next();
      return r.getString(1);
    } catch (SQLException e) {
      return "down";
    }
  }

  @Test
  void killingThePrimarysEngineWhilePausedTriggersNoFailover() throws Exception {
    Await.until(
        Duration.ofSeconds(150),
        "1 leader + 2 streaming replicas",
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
    NodeProc leader = cluster.node(cluster.leader());
    assertEquals(200, patchConfig(leader, "{\"pause\": true}"));
    Await.until(
        Duration.ofSeconds(20),
        "every node to report pause",
        () ->
            cluster.nodes().stream()
                .allMatch(
                    n -> {
                      var p = n.patroni();
                      return p != null && p.path("pause").asBoolean(false);
                    }));

    leader.killEngine();
    // Well past the lease (ttl 2 s): the lock expires, but nobody races for it and the
    // orphaned primary keeps running (no fence in maintenance mode).
    long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while (System.nanoTime() < until) {
      for (NodeProc n : cluster.nodes()) {
        if (n != leader) {
          assertEquals("t", inRecovery(n), n.name + " must stay a replica while paused");
        }
      }
      Thread.sleep(500);
    }
    assertEquals("f", inRecovery(leader), "the paused primary keeps running without its engine");

    leader.start();
    Await.until(
        Duration.ofSeconds(60),
        leader.name + " to lead again after its engine restarts",
        () -> leader.name.equals(cluster.leader()));
    assertEquals("f", inRecovery(leader));
    assertEquals(200, patchConfig(leader, "{\"pause\": null}"));
    Await.until(
        Duration.ofSeconds(20),
        "pause to end",
        () -> {
          var p = leader.patroni();
          return p != null && !p.path("pause").asBoolean(false);
        });
  }
}
