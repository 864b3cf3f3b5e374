package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.ha.Action;
import io.synod.engine.ha.Decision;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.PgState;
import io.synod.store.ReadMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API of a witness (node3 of a cluster led by node1): every database health check says no,
 * liveness and readiness say it does its job (a Raft voter), /patroni and /cluster show it as a
 * witness, and the other members' APIs refuse it as a switchover or failover candidate.
 */
class WitnessApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final ApiHarness h = new ApiHarness("node3");

  @AfterEach
  void close() {
    h.close();
  }

  /** node1 leads, node2 replicates, node3 is the witness and this harness's node. */
  ApiHarness witnessCluster() {
    h.threeNodes();
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("api_url", "http://127.0.0.1:8010/patroni");
    w.put("state", "running");
    w.put("role", "witness");
    w.put("version", "synod-test");
    h.store.members.put("node3", w);
    h.status.set(
        new NodeStatus(
            "node3",
            PgState.none("a witness has no database"),
            h.store.load(ReadMode.LINEARIZABLE),
            null,
            new Decision(
                Action.NONE, "node1", "no action: I am node3, a witness (Raft voter, no database)"),
            false,
            0,
            Instant.now(),
            Instant.now(),
            "witness",
            "running"));
    return h;
  }

  static JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void everyDatabaseHealthCheckAnswers503() {
    witnessCluster();
    for (String path : HealthChecks.PATHS) {
      if (path.isEmpty()) {
        continue;
      }
      for (String method : new String[] {"GET", "HEAD", "OPTIONS"}) {
        assertEquals(503, h.call(method, path, null).status(), method + " " + path);
      }
    }
  }

  @Test
  void livenessAndReadinessSayTheWitnessDoesItsJob() {
    witnessCluster();
    assertEquals(200, h.call("GET", "/liveness", null).status());
    assertEquals(200, h.call("GET", "/readiness", null).status(), "its Raft peer runs");
    assertNull(HealthChecks.witnessReadiness("STATE_FOLLOWER"));
    assertNull(HealthChecks.witnessReadiness("STATE_CANDIDATE"));
    assertEquals(
        "witness: the Raft peer is not running (state STATE_SHUTDOWN)",
        HealthChecks.witnessReadiness("STATE_SHUTDOWN"));
    assertEquals(
        "witness: the Raft peer is not running (state null)", HealthChecks.witnessReadiness(null));
  }

  @Test
  void patroniShowsAWitnessWithItsRaftViewAndNoDatabase() throws Exception {
    witnessCluster();
    Response r = h.call("GET", "/patroni", null);
    assertEquals(200, r.status());
    JsonNode p = json(r);
    assertEquals("witness", p.path("role").asText());
    assertEquals("running", p.path("state").asText());
    assertEquals("STATE_LEADER", p.path("raft").path("state").asText());
    assertEquals(7, p.path("raft").path("term").asLong());
    assertEquals("127.0.0.1:8300", p.path("raft").path("leader").asText());
    for (String absent :
        new String[] {"xlog", "timeline", "server_version", "database_system_identifier"}) {
      assertFalse(p.has(absent), absent + " in " + p);
    }
    assertEquals(
        "no action: I am node3, a witness (Raft voter, no database)",
        p.path("synod").path("decision").asText());
  }

  @Test
  void metricsDoNotCountTheWitnessAsARunningPostgres() {
    witnessCluster();
    String m = h.call("GET", "/metrics", null).body();
    assertTrue(m.contains("patroni_postgres_running{scope=\"test\",name=\"node3\"} 0"), m);
    assertTrue(m.contains("patroni_failover_priority{scope=\"test\",name=\"node3\"} 0"), m);
  }

  @Test
  void clusterListsTheWitnessWithoutLagOrTimeline() throws Exception {
    witnessCluster();
    JsonNode c = json(h.call("GET", "/cluster", null));
    JsonNode w = null;
    for (JsonNode m : c.path("members")) {
      if (m.path("name").asText().equals("node3")) {
        w = m;
      }
    }
    assertEquals("witness", w.path("role").asText(), c.toString());
    assertEquals("running", w.path("state").asText());
    assertEquals("127.0.0.1", w.path("host").asText());
    for (String absent : new String[] {"port", "timeline", "lag", "lsn", "replay_lag"}) {
      assertFalse(w.has(absent), absent + " in " + w);
    }
  }

  @Test
  void aSwitchoverOrFailoverToTheWitnessIsRefusedSayingWhy() throws Exception {
    witnessCluster();
    String why =
        "is not possible: candidate node3 is a witness (a Raft voter without a database); it can"
            + " never be the leader";
    Response sw =
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node3\"}");
    assertEquals(412, sw.status(), sw.body());
    assertEquals("switchover " + why, sw.body().trim());
    Response fo = h.call("POST", "/failover", "{\"candidate\": \"node3\"}");
    assertEquals(412, fo.status(), fo.body());
    assertEquals("failover " + why, fo.body().trim());
    Response scheduled =
        h.call(
            "POST",
            "/switchover",
            "{\"leader\": \"node1\", \"candidate\": \"node3\","
                + " \"scheduled_at\": \"2099-01-01T10:00+00:00\"}");
    assertEquals(412, scheduled.status(), scheduled.body());
    assertNull(h.store.load(ReadMode.LINEARIZABLE).failover(), "nothing written");
  }

  @Test
  void aScheduledRestartOfTheWitnessIsRefusedAtOnce() {
    witnessCluster();
    Response r = h.call("POST", "/restart", "{\"schedule\": \"2099-01-01T10:00+00:00\"}");
    assertEquals(503, r.status(), r.body());
    assertEquals(
        "this node is a witness (a Raft voter without PostgreSQL): there is no PostgreSQL to"
            + " restart",
        r.body());
    assertNull(h.manual.scheduledRestart());
  }

  @Test
  void theWitnessRefusesRestartAndReinitializeAndReloads() {
    java.util.List<String> reloads = new java.util.ArrayList<>();
    io.synod.engine.ha.WitnessRequests w =
        new io.synod.engine.ha.WitnessRequests(() -> reloads.add("reload"));
    assertFalse(w.restart(null).ok());
    assertTrue(w.restart(null).message().contains("no PostgreSQL to restart"));
    assertFalse(w.reinitialize(true, () -> reloads.add("started")).ok());
    w.reload();
    assertEquals(java.util.List.of("reload"), reloads, "reload runs; a reinitialize never starts");
  }
}
