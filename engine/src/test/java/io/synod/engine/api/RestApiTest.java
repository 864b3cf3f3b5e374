package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.RestApiConfig;
import io.synod.config.VerifyClient;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.store.StoreException;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.SyncState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Routing, status codes and bodies of every endpoint, with the store, Raft and HA loop faked (no
 * PostgreSQL).
 */
class RestApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private ApiHarness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private ApiHarness leader() {
    h = new ApiHarness("node1").threeNodes().asPrimary();
    return h;
  }

  private ApiHarness replica(Map<String, Object> tags) {
    h =
        new ApiHarness("node2", tags, null, Duration.ofSeconds(5))
            .threeNodes()
            .asReplica(50 * ApiHarness.MB);
    return h;
  }

  private static JsonNode json(Response r) throws Exception {
    return JSON.readTree(r.body());
  }

  private int code(String path) {
    return h.call("GET", path, null).status();
  }

  // ------------------------------------------------------------------------------- health checks

  @Test
  void leaderAnswersThePrimaryChecks() {
    leader();
    for (String p :
        List.of(
            "/",
            "/primary",
            "/read-write",
            "/master",
            "/leader",
            "/read-only",
            "/health",
            "/read-only-sync",
            "/read-only-quorum",
            "/primary?tag_zone=x")) {
      assertEquals(200, code(p), p);
    }
    for (String p :
        List.of(
            "/replica",
            "/standby-leader",
            "/standby_leader",
            "/sync",
            "/synchronous",
            "/async",
            "/asynchronous",
            "/quorum")) {
      assertEquals(503, code(p), p);
    }
  }

  @Test
  void aPrimaryKeepsItsChecksWhileTheStoreIsDownAndItsLeaseLasts() {
    leader();
    h.store.down = true;
    h.asPrimary();
    assertEquals(200, code("/primary"));
    assertEquals(200, code("/leader"));
    assertEquals(503, code("/replica"));
    h.status.set(h.status(ApiHarness.primaryPg(50 * ApiHarness.MB), false, "primary"));
    assertEquals(503, code("/primary"));
    assertEquals(503, code("/leader"));
  }

  @Test
  void replicaAnswersTheReplicaChecks() {
    replica(Map.of("zone", "a", "nosync", true));
    h.store.optime = 50 * ApiHarness.MB + 100;
    h.asReplica(50 * ApiHarness.MB);
    for (String p :
        List.of(
            "/replica",
            "/read-only",
            "/async",
            "/asynchronous",
            "/health",
            "/replica?lag=1MB",
            "/replica?lag=1024",
            "/replica?replication_state=streaming",
            "/replica?tag_zone=a",
            "/replica?tag_nosync=true",
            "/replica?lag=garbage",
            "/async?lag=16MB")) {
      assertEquals(200, code(p), p);
    }
    for (String p :
        List.of(
            "/",
            "/primary",
            "/read-write",
            "/leader",
            "/sync",
            "/read-only-sync",
            "/read-only-quorum",
            "/replica?lag=10",
            "/replica?tag_zone=b",
            "/replica?tag_rack=1",
            "/read-only?tag_zone=b",
            "/health?tag_zone=b",
            "/replica?replication_state=in%20archive%20recovery")) {
      assertEquals(503, code(p), p);
    }
  }

  @Test
  void replicaThatIsNotStreamingFailsReplicationStateAndReadiness() {
    replica(Map.of());
    h.status.set(h.status(ApiHarness.replicaPg(50 * ApiHarness.MB, false), false, "replica"));
    assertEquals(200, code("/replica"));
    assertEquals(503, code("/replica?replication_state=streaming"));
    assertEquals(503, code("/readiness"));
  }

  @Test
  void noloadbalanceKeepsAReplicaOutOfTheReadPool() {
    replica(Map.of("noloadbalance", true));
    assertEquals(503, code("/replica"));
    assertEquals(503, code("/read-only"));
    assertEquals(200, code("/health"));
  }

  @Test
  void syncStandbyChecksFollowTheSyncKeyInSynchronousMode() {
    replica(Map.of());
    h.store.config.put("synchronous_mode", true);
    h.store.sync = new SyncState("node1", List.of("node2"), 1, 3);
    h.asReplica(50 * ApiHarness.MB);
    assertEquals(200, code("/sync"));
    assertEquals(200, code("/synchronous"));
    assertEquals(200, code("/read-only-sync"));
    assertEquals(503, code("/async"));
  }

  @Test
  void headAndOptionsAnswerTheStatusOnly() {
    leader();
    for (String m : List.of("HEAD", "OPTIONS")) {
      Response ok = h.call(m, "/primary", null);
      assertEquals(200, ok.status(), m);
      assertEquals("", ok.body(), m);
      Response no = h.call(m, "/replica", null);
      assertEquals(503, no.status(), m);
      assertEquals("", no.body(), m);
    }
    assertEquals(200, h.call("HEAD", "/patroni", null).status());
  }

  @Test
  void aNodeThatHasNotFinishedItsFirstLoopIsNotHealthy() throws Exception {
    h = new ApiHarness("node1");
    Response r = h.call("GET", "/primary", null);
    assertEquals(503, r.status());
    assertEquals("starting", json(r).path("state").asText());
    assertEquals(503, h.call("OPTIONS", "/replica", null).status());
  }

  @Test
  void livenessFollowsTheLastLoop() {
    leader();
    assertEquals(200, code("/liveness"));
    NodeStatus s = h.status.get();
    h.status.set(
        new NodeStatus(
            s.name(),
            s.pg(),
            s.cluster(),
            null,
            s.decision(),
            true,
            0,
            Instant.now().minusSeconds(60),
            s.dcsLastSeen(),
            s.role(),
            s.state()));
    assertEquals(503, code("/liveness"));
    h.store.config.put("pause", true);
    NodeStatus paused = h.status(s.pg(), true, "primary");
    h.status.set(
        new NodeStatus(
            paused.name(),
            paused.pg(),
            paused.cluster(),
            null,
            paused.decision(),
            true,
            0,
            Instant.now().minusSeconds(60),
            paused.dcsLastSeen(),
            paused.role(),
            paused.state()));
    assertEquals(200, code("/liveness"));
  }

  @Test
  void readinessComparesReplayLagWithMaximumLagOnFailover() {
    replica(Map.of());
    assertEquals(200, code("/readiness"));
    h.store.optime = 60 * ApiHarness.MB;
    h.asReplica(50 * ApiHarness.MB);
    assertEquals(503, code("/readiness"));
    assertEquals(200, code("/readiness?lag=20MB"));
    h.close();
    leader();
    assertEquals(200, code("/readiness"));
  }

  @Test
  void unknownPathsAndMethods() {
    leader();
    assertEquals(404, code("/nope"));
    Response post = h.call("POST", "/patroni", "{}");
    assertEquals(405, post.status());
    assertTrue(post.headers().get("Allow").contains("GET"));
    assertEquals(405, h.call("GET", "/switchover", null).status());
    assertEquals(405, h.call("PUT", "/switchover", "{}").status());
    assertEquals(404, h.call("POST", "/nope", "{}").status());
    assertEquals(501, h.call("TRACE", "/", null).status());
    assertEquals(502, code("/failsafe"));
  }

  // ------------------------------------------------------------------------------- state

  @Test
  void patroniDocumentHasPatroniFields() throws Exception {
    replica(Map.of("zone", "a"));
    h.manual.schedule(
        new ManualRequests.RestartSpec(null, false, null, null, OffsetDateTime.now().plusHours(1)));
    JsonNode p = json(h.call("GET", "/patroni", null));
    assertEquals("running", p.path("state").asText());
    assertEquals("replica", p.path("role").asText());
    assertEquals(150013, p.path("server_version").asInt());
    assertEquals(50 * ApiHarness.MB, p.path("xlog").path("replayed_location").asLong());
    assertEquals("streaming", p.path("replication_state").asText());
    assertEquals(1, p.path("timeline").asInt());
    assertFalse(p.path("cluster_unlocked").asBoolean());
    assertEquals("a", p.path("tags").path("zone").asText());
    assertEquals("7000000000000000001", p.path("database_system_identifier").asText());
    assertEquals("test", p.path("patroni").path("scope").asText());
    assertEquals("node2", p.path("patroni").path("name").asText());
    assertTrue(p.path("scheduled_restart").has("schedule"));
  }

  @Test
  void clusterListsMembersWithRolesStatesAndLag() throws Exception {
    leader();
    h.store.failover = new FailoverRequest("node1", "node2", OffsetDateTime.now().plusHours(1), 99);
    h.store.config.put("pause", true);
    h.store.members.get("node3").remove("receive_lsn");
    JsonNode c = json(h.call("GET", "/cluster", null));
    assertEquals("test", c.path("scope").asText());
    assertTrue(c.path("pause").asBoolean());
    assertEquals("node2", c.path("scheduled_switchover").path("to").asText());
    JsonNode n1 = c.path("members").get(0);
    assertEquals("node1", n1.path("name").asText());
    assertEquals("leader", n1.path("role").asText());
    assertEquals("running", n1.path("state").asText());
    assertEquals(5432, n1.path("port").asInt());
    assertFalse(n1.has("lag"));
    JsonNode n3 = c.path("members").get(2);
    assertEquals("replica", n3.path("role").asText());
    assertEquals("streaming", n3.path("state").asText());
    assertEquals(ApiHarness.MB, n3.path("lag").asLong());
    assertEquals("unknown", n3.path("receive_lag").asText());
    assertEquals("http://127.0.0.1:8010/patroni", n3.path("api_url").asText());
  }

  @Test
  void clusterFallsBackToTheLastLoopWhenTheStoreIsDown() throws Exception {
    leader();
    h.store.down = true;
    Response r = h.call("GET", "/cluster", null);
    assertEquals(200, r.status());
    assertEquals(3, json(r).path("members").size());
  }

  @Test
  void historyAndConfig() throws Exception {
    leader();
    h.store.history.add(
        List.of(1, 50331808, "no recovery target specified", "2030-01-01T00:00:00+00:00", "node1"));
    JsonNode hist = json(h.call("GET", "/history", null));
    assertEquals(1, hist.size());
    assertEquals("node1", hist.get(0).get(4).asText());
    Response c = h.call("GET", "/config", null);
    assertEquals(200, c.status());
    assertEquals(1.3, json(c).path("ttl").asDouble());
    assertEquals("\"5\"", c.headers().get("ETag"));
    h.store.config.clear();
    assertEquals(502, h.call("GET", "/config", null).status());
  }

  @Test
  void theWebPageIsServedWithItsTypesAndAStrictContentSecurityPolicy() {
    leader();
    Response page = h.call("GET", "/ui", null);
    assertEquals(200, page.status());
    assertTrue(page.contentType().startsWith("text/html"), page.contentType());
    assertTrue(page.body().contains("/ui/app.js"), "the page loads its script");
    assertTrue(page.headers().get("Content-Security-Policy").contains("default-src 'self'"));
    assertEquals("nosniff", page.headers().get("X-Content-Type-Options"));
    assertEquals(200, h.call("GET", "/ui/", null).status());
    Response js = h.call("GET", "/ui/app.js", null);
    assertTrue(js.contentType().startsWith("text/javascript"), js.contentType());
    assertTrue(js.body().contains("/events?cluster=1"));
    assertTrue(h.call("GET", "/ui/style.css", null).contentType().startsWith("text/css"));
    assertEquals(404, h.call("GET", "/ui/../config", null).status());
    assertEquals(405, h.call("POST", "/ui", "{}").status());
  }

  @Test
  void eventsListThisNodesRingNewestFirstAndTheClusterViewMergesTheMembers() throws Exception {
    leader();
    h.events.add("leader-race", "TAKE_LEASE_AND_PROMOTE", "the lock is free", null, -1);
    h.events.add("promotion", "PROMOTE", "I am the healthiest", "promoted: now the primary", 1234);
    JsonNode local = json(h.call("GET", "/events", null));
    assertEquals("node1", local.path("name").asText());
    assertEquals("promotion", local.path("events").get(0).path("kind").asText());
    assertEquals(1234, local.path("events").get(0).path("unlocked_to_primary_ms").asLong());
    assertEquals("leader-race", local.path("events").get(1).path("kind").asText());
    assertEquals(1, json(h.call("GET", "/events?limit=1", null)).path("events").size());
    assertTrue(local.path("node").path("lease_held").asBoolean());

    JsonNode all = json(h.call("GET", "/events?cluster=1", null));
    assertEquals("node1", all.path("served_by").asText());
    assertTrue(all.path("members").path("node1").path("reachable").asBoolean());
    // this harness has no client for the other members: they are listed, unreachable, with why
    assertFalse(all.path("members").path("node2").path("reachable").asBoolean());
    assertFalse(all.path("members").path("node3").path("error").asText().isEmpty());
    assertEquals(2, all.path("events").size());
    assertEquals(1, all.path("failovers").size());
    assertTrue(
        h.call("GET", "/metrics", null).body().contains("synod_promotions_total{scope=\"test\""));
  }

  @Test
  void eventsUrlIsAtTheRootOfTheMembersApiUrl() {
    assertEquals(
        "http://10.0.0.2:8008/events?limit=5",
        EventsDocuments.eventsUrl("http://10.0.0.2:8008/patroni", 5));
    assertEquals(
        "https://h:8443/events?limit=100", EventsDocuments.eventsUrl("https://h:8443", 100));
  }

  @Test
  void metricsUsePatroniNamesPlusSynodOnes() {
    leader();
    Response r = h.call("GET", "/metrics", null);
    assertEquals(200, r.status());
    assertTrue(r.contentType().startsWith("text/plain"));
    String m = r.body();
    for (String line :
        List.of(
            "patroni_postgres_running{scope=\"test\",name=\"node1\"} 1",
            "patroni_primary{scope=\"test\",name=\"node1\"} 1",
            "patroni_replica{scope=\"test\",name=\"node1\"} 0",
            "patroni_xlog_location{scope=\"test\",name=\"node1\"} " + 50 * ApiHarness.MB,
            "patroni_postgres_timeline{scope=\"test\",name=\"node1\"} 1",
            "patroni_cluster_unlocked{scope=\"test\",name=\"node1\"} 0",
            "patroni_is_paused{scope=\"test\",name=\"node1\"} 0",
            "patroni_postgres_server_version{scope=\"test\",name=\"node1\"} 150013",
            "patroni_postgres_state{scope=\"test\",name=\"node1\"} 5",
            "synod_raft_term{scope=\"test\",name=\"node1\"} 7",
            "synod_raft_leader{scope=\"test\",name=\"node1\"} 1",
            "synod_lease_remaining_seconds{scope=\"test\",name=\"node1\"} 1.500",
            "# TYPE patroni_xlog_location counter")) {
      assertTrue(m.contains(line + "\n"), "missing " + line + " in\n" + m);
    }
  }

  @Test
  void failsafeIsInherentGetFailsafeListsTheMembersAndMetricsTellTheTruth() throws Exception {
    leader();
    // off (the default): 502 as Patroni answers, and the metrics say so
    assertEquals(502, h.call("GET", "/failsafe", null).status());
    String off = h.call("GET", "/metrics", null).body();
    assertTrue(
        off.contains("patroni_failsafe_mode_enabled{scope=\"test\",name=\"node1\"} 0\n"), off);
    assertTrue(off.contains("patroni_failsafe_member{scope=\"test\",name=\"node1\"} 0\n"), off);
    // on: {name: api_url} of every member, this node a failsafe member, never active
    h.store.config.put("failsafe_mode", true);
    h.asPrimary();
    Response r = h.call("GET", "/failsafe", null);
    assertEquals(200, r.status(), r.body());
    Map<?, ?> members =
        new com.fasterxml.jackson.databind.ObjectMapper().readValue(r.body(), Map.class);
    assertEquals(
        Map.of(
            "node1", "http://127.0.0.1:8008/patroni",
            "node2", "http://127.0.0.1:8009/patroni",
            "node3", "http://127.0.0.1:8010/patroni"),
        members);
    String on = h.call("GET", "/metrics", null).body();
    assertTrue(on.contains("patroni_failsafe_mode_enabled{scope=\"test\",name=\"node1\"} 1\n"), on);
    assertTrue(
        on.contains("patroni_failsafe_mode_is_active{scope=\"test\",name=\"node1\"} 0\n"), on);
    assertTrue(on.contains("patroni_failsafe_member{scope=\"test\",name=\"node1\"} 1\n"), on);
  }

  // ------------------------------------------------------------------------------- config

  @Test
  void patchConfigMergesDeletesWithNullAndWakesTheLoop() throws Exception {
    leader();
    h.store.config.put(
        "postgresql", Map.of("parameters", Map.of("work_mem", "4MB", "max_connections", 50)));
    Response r =
        h.call(
            "PATCH",
            "/config",
            "{\"loop_wait\": 0.4, \"postgresql\": {\"parameters\": {\"work_mem\": null, \"shared_buffers\": \"64MB\"}}}");
    assertEquals(200, r.status(), r.body());
    JsonNode body = json(r);
    assertEquals(0.4, body.path("loop_wait").asDouble());
    assertFalse(body.path("postgresql").path("parameters").has("work_mem"));
    assertEquals(
        "64MB",
        h.store.config.get("postgresql") instanceof Map<?, ?> pg
            ? ((Map<?, ?>) pg.get("parameters")).get("shared_buffers")
            : null);
    assertEquals(
        50,
        ((Map<?, ?>) ((Map<?, ?>) h.store.config.get("postgresql")).get("parameters"))
            .get("max_connections"));
    assertTrue(h.calls.contains("wake"));
  }

  @Test
  void patchConfigConflictIs409AndChangesNothing() {
    leader();
    Map<String, Object> before = io.synod.config.Maps.mutableCopy(h.store.config);
    h.store.failCas = true;
    Response r = h.call("PATCH", "/config", "{\"loop_wait\": 0.4}");
    assertEquals(409, r.status());
    assertTrue(r.body().contains("changed concurrently"), r.body());
    assertEquals(before, h.store.config);
  }

  @Test
  void patchConfigRejectsInvalidValuesAndBadBodiesChangingNothing() {
    leader();
    Map<String, Object> before = io.synod.config.Maps.mutableCopy(h.store.config);
    long rev = h.store.configRevision;
    Response invalid = h.call("PATCH", "/config", "{\"ttl\": \"soon\"}");
    assertEquals(400, invalid.status());
    assertTrue(invalid.body().contains("ttl"), invalid.body());
    Response rule = h.call("PATCH", "/config", "{\"ttl\": 1, \"loop_wait\": 1}");
    assertEquals(400, rule.status());
    assertTrue(rule.body().contains("loop_wait + 2*retry_timeout"), rule.body());
    Response malformed = h.call("PATCH", "/config", "{\"ttl\": 3");
    assertEquals(400, malformed.status());
    assertTrue(malformed.body().startsWith("malformed JSON body"), malformed.body());
    Response array = h.call("PATCH", "/config", "[1,2]");
    assertEquals(400, array.status());
    assertTrue(array.body().contains("JSON object"), array.body());
    Response dup = h.call("PATCH", "/config", "{\"ttl\": 3, \"ttl\": 4}");
    assertEquals(400, dup.status());
    assertTrue(dup.body().contains("Duplicate field 'ttl'"), dup.body());
    assertEquals(400, h.call("PATCH", "/config", "").status());
    assertEquals(400, h.call("PATCH", "/config", "{}").status());
    assertEquals(400, h.call("PATCH", "/config", "{\"ttl\": 3} trailing").status());
    assertEquals(before, h.store.config);
    assertEquals(rev, h.store.configRevision);
  }

  @Test
  void patchConfigWithoutAConfigKeyIs503() {
    leader();
    h.store.config.clear();
    assertEquals(503, h.call("PATCH", "/config", "{\"ttl\": 3}").status());
  }

  @Test
  void putConfigReplacesWithOptionalRevisionCheck() throws Exception {
    leader();
    String full =
        "{\"ttl\": 3, \"loop_wait\": 0.5, \"retry_timeout\": 0.5, \"custom_key\": \"kept\"}";
    Response ok = h.call("PUT", "/config", full);
    assertEquals(200, ok.status(), ok.body());
    assertEquals(
        Map.of("ttl", 3, "loop_wait", 0.5, "retry_timeout", 0.5, "custom_key", "kept"),
        h.store.config);
    long rev = h.store.configRevision;
    Response stale =
        h.api.handle(
            new Request(
                "PUT",
                "/config",
                Map.of(),
                "{\"ttl\": 4}",
                "127.0.0.1",
                null,
                Map.of("if-match", "\"" + (rev - 1) + "\"", "content-type", "application/json"),
                false));
    assertEquals(409, stale.status());
    assertEquals(3, h.store.config.get("ttl"));
    Response fresh =
        h.api.handle(
            new Request(
                "PUT",
                "/config",
                Map.of(),
                "{\"ttl\": 4}",
                "127.0.0.1",
                null,
                Map.of("if-match", "\"" + rev + "\"", "content-type", "application/json"),
                false));
    assertEquals(200, fresh.status(), fresh.body());
    assertEquals(4, h.store.config.get("ttl"));
    assertEquals(400, h.call("PUT", "/config", "{\"ttl\": -1}").status());
    assertEquals(4, h.store.config.get("ttl"));
  }

  // ------------------------------------------------------------------------------- switchover /
  // failover

  @Test
  void switchoverRequestsAreValidatedLikePatroni() {
    leader();
    assertBody(
        400,
        "Switchover could be performed only from a specific leader",
        h.call("POST", "/switchover", "{\"candidate\": \"node2\"}"));
    assertBody(
        412,
        "leader name does not match",
        h.call("POST", "/switchover", "{\"leader\": \"node2\"}"));
    assertBody(
        412,
        "candidate does not exists",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node9\"}"));
    assertBody(
        400,
        "Switchover target and source are the same",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node1\"}"));
    assertBody(
        400,
        "unknown field \"leaderr\"",
        h.call("POST", "/switchover", "{\"leaderr\": \"node1\"}"));
    assertBody(
        400, "field \"leader\" must be a string", h.call("POST", "/switchover", "{\"leader\": 1}"));
    assertBody(
        400,
        "Timezone information is mandatory",
        h.call(
            "POST",
            "/switchover",
            "{\"leader\": \"node1\", \"scheduled_at\": \"2099-01-01T10:00\"}"));
    assertBody(
        422,
        "Cannot schedule switchover in the past",
        h.call(
            "POST",
            "/switchover",
            "{\"leader\": \"node1\", \"scheduled_at\": \"2001-01-01T10:00+00:00\"}"));
    assertBody(
        422,
        "Unable to parse scheduled timestamp",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"scheduled_at\": \"tomorrow\"}"));
    assertBody(
        400,
        "Failover could be performed only to a specific candidate",
        h.call("POST", "/failover", "{}"));
    assertBody(
        400,
        "Failover can't be scheduled",
        h.call(
            "POST",
            "/failover",
            "{\"candidate\": \"node2\", \"scheduled_at\": \"2099-01-01T10:00+00:00\"}"));
    assertNull(h.store.failover);
  }

  @Test
  void switchoverNeedsAHealthyCandidate() {
    leader();
    h.store.members.get("node2").put("state", "stopped");
    h.store.members.get("node3").put("tags", Map.of("nofailover", true));
    assertBody(
        412,
        "switchover is not possible: no good candidates have been found",
        h.call("POST", "/switchover", "{\"leader\": \"node1\"}"));
    assertBody(
        412,
        "no good candidates",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node3\"}"));
    assertNull(h.store.failover);
  }

  @Test
  void scheduledSwitchoverIsWrittenAndCanBeDeleted() {
    leader();
    String at = OffsetDateTime.now().plusHours(2).withNano(0).toString();
    assertBody(
        202,
        "Switchover scheduled",
        h.call(
            "POST",
            "/switchover",
            "{\"leader\": \"node1\", \"candidate\": \"node2\", \"scheduled_at\": \"" + at + "\"}"));
    assertEquals("node2", h.store.failover.candidate());
    assertEquals(OffsetDateTime.parse(at).toInstant(), h.store.failover.scheduledAt().toInstant());
    h.store.failCas = true;
    assertEquals(409, h.call("DELETE", "/switchover", null).status());
    h.store.failCas = false;
    assertBody(200, "scheduled switchover deleted", h.call("DELETE", "/switchover", null));
    assertNull(h.store.failover);
    assertBody(404, "no switchover is scheduled", h.call("DELETE", "/switchover", null));
  }

  @Test
  void switchoverInPauseNeedsACandidateAndCannotBeScheduled() {
    leader();
    h.store.config.put("pause", true);
    assertBody(
        400,
        "Switchover is possible only to a specific candidate in a paused state",
        h.call("POST", "/switchover", "{\"leader\": \"node1\"}"));
    assertBody(
        400,
        "Can't schedule switchover in the paused state",
        h.call(
            "POST",
            "/switchover",
            "{\"leader\": \"node1\", \"candidate\": \"node2\", \"scheduled_at\": \"2099-01-01T10:00+00:00\"}"));
  }

  @Test
  void switchoverWaitsForTheNewLeader() {
    leader();
    h.store.onFailover =
        s ->
            new Thread(
                    () -> {
                      ApiHarness.sleep(300);
                      synchronized (s) {
                        s.leader =
                            s.failover.candidate() == null ? "node2" : s.failover.candidate();
                        s.failover = null;
                      }
                    })
                .start();
    assertBody(
        200,
        "Successfully switched over to \"node3\"",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node3\"}"));
    assertEquals("node3", h.store.leader);
  }

  @Test
  void switchoverToAnotherCandidateAndFailuresAreReported() {
    leader();
    h.store.onFailover =
        s ->
            new Thread(
                    () -> {
                      ApiHarness.sleep(200);
                      synchronized (s) {
                        s.leader = "node2";
                        s.failover = null;
                      }
                    })
                .start();
    assertBody(
        200,
        "Switched over to \"node2\" instead of \"node3\"",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node3\"}"));
    h.store.leader = "node1";
    h.store.onFailover =
        s ->
            new Thread(
                    () -> {
                      ApiHarness.sleep(200);
                      synchronized (s) {
                        s.failover = null; // the leader dropped the request
                      }
                    })
                .start();
    assertBody(
        503,
        "Switchover failed",
        h.call("POST", "/switchover", "{\"leader\": \"node1\", \"candidate\": \"node2\"}"));
  }

  @Test
  void switchoverThatNobodyActsOnTimesOut() {
    h = new ApiHarness("node1", Map.of(), null, Duration.ofMillis(400)).threeNodes().asPrimary();
    assertBody(
        503,
        "Switchover status unknown after 0 seconds; operation may still be in progress",
        h.call("POST", "/switchover", "{\"leader\": \"node1\"}"));
  }

  @Test
  void failoverWorksWithoutALeader() {
    h = new ApiHarness("node2").threeNodes().asReplica(50 * ApiHarness.MB);
    h.store.leader = null;
    h.store.onFailover =
        s ->
            new Thread(
                    () -> {
                      ApiHarness.sleep(200);
                      synchronized (s) {
                        s.leader = s.failover.candidate();
                        s.failover = null;
                      }
                    })
                .start();
    assertBody(
        200,
        "Successfully failed over to \"node3\"",
        h.call("POST", "/failover", "{\"candidate\": \"node3\"}"));
  }

  @Test
  void writesFailingInTheStoreAre503() {
    leader();
    h.store.down = true;
    Response r = h.call("POST", "/switchover", "{\"leader\": \"node1\"}");
    assertEquals(503, r.status());
    assertTrue(r.body().contains("NO_QUORUM"), r.body());
  }

  // ------------------------------------------------------------------------------- restart /
  // reload / reinit

  @Test
  void restartRunsOnTheLoopAndReportsItsOutcome() {
    leader();
    assertBody(
        200,
        "restarted successfully",
        h.call(
            "POST",
            "/restart",
            "{\"role\": \"primary\", \"restart_pending\": true, \"postgres_version\": \"16.1\", \"timeout\": 30}"));
    assertTrue(
        h.calls.contains("restart role=primary pending=true version=160001 timeout=PT30S"),
        h.calls.toString());
    h.restartOutcome = new ManualRequests.Outcome(false, "restart conditions are not satisfied");
    assertBody(503, "restart conditions are not satisfied", h.call("POST", "/restart", ""));
  }

  @Test
  void restartRequestsAreValidated() {
    leader();
    assertBody(
        400,
        "PostgreSQL role should be either primary, standby_leader, or replica",
        h.call("POST", "/restart", "{\"role\": \"boss\"}"));
    assertBody(
        400,
        "Unknown filter for the scheduled restart: when",
        h.call("POST", "/restart", "{\"when\": 1}"));
    assertBody(
        400,
        "Timeout should be a positive number of seconds",
        h.call("POST", "/restart", "{\"timeout\": 0}"));
    assertBody(
        400,
        "is not a PostgreSQL version",
        h.call("POST", "/restart", "{\"postgres_version\": \"x.y\"}"));
    assertBody(400, "malformed JSON body", h.call("POST", "/restart", "{"));
    assertFalse(h.calls.stream().anyMatch(c -> c.startsWith("restart")));
  }

  @Test
  void scheduledRestartsCanBeListedAndDeleted() throws Exception {
    leader();
    String at = OffsetDateTime.now().plusHours(1).toString();
    assertBody(
        202, "Restart scheduled", h.call("POST", "/restart", "{\"schedule\": \"" + at + "\"}"));
    assertBody(
        409,
        "Another restart is already scheduled",
        h.call("POST", "/restart", "{\"schedule\": \"" + at + "\"}"));
    assertTrue(json(h.call("GET", "/patroni", null)).has("scheduled_restart"));
    assertBody(200, "scheduled restart deleted", h.call("DELETE", "/restart", null));
    assertBody(404, "no restarts are scheduled", h.call("DELETE", "/restart", null));
    h.store.config.put("pause", true);
    assertBody(
        500,
        "Can't schedule restart in the paused state",
        h.call("POST", "/restart", "{\"schedule\": \"" + at + "\"}"));
  }

  @Test
  void aScheduledRestartRunsOnTheLoopWhenItsTimeComes() {
    leader();
    String at = OffsetDateTime.now().plusSeconds(1).toString();
    assertBody(
        202,
        "Restart scheduled",
        h.call("POST", "/restart", "{\"schedule\": \"" + at + "\", \"role\": \"primary\"}"));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (h.calls.stream().noneMatch(c -> c.startsWith("restart role=primary"))
        && System.nanoTime() < deadline) {
      ApiHarness.sleep(20);
    }
    assertTrue(
        h.calls.stream().anyMatch(c -> c.startsWith("restart role=primary")), h.calls.toString());
    assertNull(h.manual.scheduledRestart());
    assertBody(404, "no restarts are scheduled", h.call("DELETE", "/restart", null));
  }

  @Test
  void aSecondRestartWhileOneRunsIsRefused() throws Exception {
    replica(Map.of());
    h.restartMillis = 800;
    Thread t = new Thread(() -> h.call("POST", "/restart", ""));
    t.start();
    ApiHarness.sleep(200);
    assertBody(503, "restart already in progress", h.call("POST", "/restart", ""));
    assertBody(503, "restart already in progress", h.call("POST", "/reinitialize", ""));
    t.join();
  }

  @Test
  void reloadIsScheduled() {
    leader();
    assertBody(202, "reload scheduled", h.call("POST", "/reload", ""));
    assertBody(400, "this endpoint takes no fields", h.call("POST", "/reload", "{\"now\": true}"));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!h.calls.contains("reload") && System.nanoTime() < deadline) {
      ApiHarness.sleep(10);
    }
    assertTrue(h.calls.contains("reload"));
  }

  @Test
  void reinitializeIsForReplicasOnly() {
    leader();
    assertBody(503, "I am the leader, can not reinitialize", h.call("POST", "/reinitialize", ""));
    h.close();
    replica(Map.of());
    assertBody(
        200,
        "reinitialize started",
        h.call("POST", "/reinitialize", "{\"force\": true, \"from_leader\": true}"));
    assertTrue(h.calls.contains("reinitialize from_leader=true"));
    assertBody(400, "unknown field \"wipe\"", h.call("POST", "/reinitialize", "{\"wipe\": true}"));
    assertBody(
        400,
        "field \"force\" must be a boolean",
        h.call("POST", "/reinitialize", "{\"force\": \"maybe\"}"));
    // the fake loop finishes the first reinitialize after answering "started": let it, before the
    // next one
    io.synod.engine.testing.Await.until(
        java.time.Duration.ofSeconds(5),
        "the first reinitialize to finish",
        () -> h.manual.running() == null);
    h.reinitStarts = false;
    h.reinitOutcome = new ManualRequests.Outcome(false, "no running member to clone from");
    assertBody(503, "no running member to clone from", h.call("POST", "/reinitialize", ""));
    h.store.leader = null;
    assertBody(
        503, "Cluster has no leader, can not reinitialize", h.call("POST", "/reinitialize", ""));
  }

  // ------------------------------------------------------------------------------- access control

  private static String basic(String user, String pw) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
  }

  private static RestApiConfig secured(
      List<String> allowlist, boolean includeMembers, String certfile, VerifyClient vc) {
    return new RestApiConfig(
        "127.0.0.1:8008",
        "127.0.0.1:8008",
        new io.synod.config.Credentials("admin", "s3cret"),
        certfile,
        null,
        null,
        null,
        vc,
        allowlist,
        includeMembers,
        Map.of());
  }

  @Test
  void unsafeMethodsNeedBasicAuth() {
    h =
        new ApiHarness(
                "node1",
                Map.of(),
                secured(List.of(), false, null, VerifyClient.NONE),
                Duration.ofSeconds(5))
            .threeNodes()
            .asPrimary();
    Response none = h.call("POST", "/reload", "", null, "127.0.0.1");
    assertEquals(401, none.status());
    assertEquals("no auth header received", none.body());
    assertEquals("Basic realm=\"Synod\"", none.headers().get("WWW-Authenticate"));
    assertBody(
        401,
        "not authenticated",
        h.call("PATCH", "/config", "{\"ttl\": 3}", basic("admin", "wrong"), "127.0.0.1"));
    assertBody(
        401, "not authenticated", h.call("DELETE", "/restart", null, "Bearer x", "127.0.0.1"));
    assertEquals(
        202, h.call("POST", "/reload", "", basic("admin", "s3cret"), "127.0.0.1").status());
    // reads and health checks stay open, as in Patroni
    assertEquals(200, h.call("GET", "/primary", null, null, "127.0.0.1").status());
    assertEquals(200, h.call("GET", "/config", null, null, "127.0.0.1").status());
    assertEquals(1.3, h.store.config.get("ttl"));
  }

  @Test
  void allowlistIsCheckedBeforeAuth() {
    h =
        new ApiHarness(
                "node1",
                Map.of(),
                secured(List.of("10.0.0.0/8", "192.168.1.7"), true, null, VerifyClient.NONE),
                Duration.ofSeconds(5))
            .threeNodes()
            .asPrimary();
    String ok = basic("admin", "s3cret");
    assertBody(403, "Access is denied", h.call("POST", "/reload", "", ok, "172.16.0.1"));
    assertBody(403, "Access is denied", h.call("POST", "/reload", "", null, "172.16.0.1"));
    assertEquals(202, h.call("POST", "/reload", "", ok, "10.1.2.3").status());
    assertEquals(202, h.call("POST", "/reload", "", ok, "192.168.1.7").status());
    assertEquals(401, h.call("POST", "/reload", "", null, "10.1.2.3").status());
    // allowlist_include_members: the members' api_url hosts (127.0.0.1 here)
    assertEquals(202, h.call("POST", "/reload", "", ok, "127.0.0.1").status());
    assertEquals(200, h.call("GET", "/patroni", null, null, "172.16.0.1").status());
  }

  @Test
  void anAllowlistWhoseEntriesNoLongerResolveAdmitsNobody() {
    // Checked at load (a config error); should a host name stop resolving later, the list still
    // restricts: it fails closed instead of opening the unsafe methods to everyone.
    h =
        new ApiHarness(
                "node1",
                Map.of(),
                secured(List.of("no-such-host.invalid"), false, null, VerifyClient.NONE),
                Duration.ofSeconds(5))
            .threeNodes()
            .asPrimary();
    String ok = basic("admin", "s3cret");
    assertBody(403, "Access is denied", h.call("POST", "/reload", "", ok, "127.0.0.1"));
    assertBody(403, "Access is denied", h.call("POST", "/reload", "", ok, "10.1.2.3"));
  }

  @Test
  void synodsOwnActionsNeedTheSameAuthAsPatronis() {
    h =
        new ApiHarness(
                "node1",
                Map.of(),
                secured(List.of(), false, null, VerifyClient.NONE),
                Duration.ofSeconds(5))
            .threeNodes()
            .asPrimary();
    for (String[] call :
        List.of(
            new String[] {"DELETE", "/cluster", "{\"scope\":\"test\"}"},
            new String[] {"POST", "/raft/members", "{\"raft_addr\":\"127.0.0.1:9\"}"},
            new String[] {"DELETE", "/raft/members", "{\"raft_addr\":\"127.0.0.1:9\"}"},
            new String[] {"POST", "/switchover", "{\"leader\":\"node1\"}"})) {
      assertEquals(
          401,
          h.call(call[0], call[1], call[2], null, "127.0.0.1").status(),
          call[0] + " " + call[1]);
    }
    assertEquals(3, h.raft.peers.size(), "no member added: " + h.raft.peers);
    assertFalse(h.store.config.isEmpty(), "the cluster was not removed");
  }

  @Test
  void verifyClientNeedsACertificateForUnsafeMethods() {
    h =
        new ApiHarness(
                "node1",
                Map.of(),
                secured(List.of(), false, "/tmp/cert.pem", VerifyClient.OPTIONAL),
                Duration.ofSeconds(5))
            .threeNodes()
            .asPrimary();
    Response r = h.call("POST", "/reload", "", basic("admin", "s3cret"), "127.0.0.1");
    assertBody(403, "client certificate required", r);
    Response withCert =
        h.api.handle(
            new Request(
                "POST",
                "/reload",
                Map.of(),
                "",
                "127.0.0.1",
                basic("admin", "s3cret"),
                Map.of(),
                true));
    assertEquals(202, withCert.status());
  }

  // ------------------------------------------------------------------------------- raft and remove

  @Test
  void raftStatusAndMembership() throws Exception {
    leader();
    JsonNode r = json(h.call("GET", "/raft", null));
    assertEquals("127.0.0.1:8300", r.path("self").asText());
    assertEquals(7, r.path("term").asInt());
    assertEquals(3, r.path("peers").size());
    assertEquals(
        200,
        h.call("POST", "/raft/members", "{\"name\": \"node4\", \"raft_addr\": \"127.0.0.1:8303\"}")
            .status());
    assertTrue(h.raft.peers.contains("127.0.0.1:8303"));
    assertBody(400, "raft_addr", h.call("POST", "/raft/members", "{\"name\": \"node4\"}"));
    assertBody(
        400,
        "not a Raft peer address",
        h.call("POST", "/raft/members", "{\"raft_addr\": \"nohost\"}"));
    h.raft.next =
        new StoreException(
            StoreException.Kind.REJECTED, "cannot add Raft peer 127.0.0.1:8304: peer exists");
    assertBody(
        409, "peer exists", h.call("POST", "/raft/members", "{\"raft_addr\": \"127.0.0.1:8304\"}"));
    h.raft.next = new StoreException(StoreException.Kind.NO_QUORUM, "no leader");
    assertEquals(
        503, h.call("DELETE", "/raft/members", "{\"raft_addr\": \"127.0.0.1:8303\"}").status());
    assertEquals(
        200, h.call("DELETE", "/raft/members", "{\"raft_addr\": \"127.0.0.1:8303\"}").status());
    assertFalse(h.raft.peers.contains("127.0.0.1:8303"));
  }

  @Test
  void removeClusterNeedsTheScope() {
    leader();
    assertBody(
        400, "must name this cluster", h.call("DELETE", "/cluster", "{\"scope\": \"other\"}"));
    assertFalse(h.store.deleted);
    assertEquals(200, h.call("DELETE", "/cluster", "{\"scope\": \"test\"}").status());
    assertTrue(h.store.deleted);
  }

  // ------------------------------------------------------------------------------- helpers

  @Test
  void scheduleParsingAcceptsIsoFormsWithAZone() {
    assertNotNull(Actions.parseSchedule("2099-01-01T10:00:00+02:00", "switchover"));
    assertNotNull(Actions.parseSchedule("2099-01-01 10:00Z", "switchover"));
    assertNotNull(Actions.parseSchedule("2099-01-01T10:00+0200", "restart"));
    assertEquals(150002, Actions.postgresVersion("15.2"));
    assertEquals(90624, Actions.postgresVersion("9.6.24"));
    assertEquals(16L * 1024 * 1024, HealthChecks.lagParam("16MB"));
    assertNull(HealthChecks.lagParam("x"));
  }

  private static void assertBody(int status, String contains, Response r) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.body().contains(contains), "expected \"" + contains + "\" in: " + r.body());
  }
}
