package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DynamicConfigTest {

  private static DynamicConfig dyn(Map<String, Object> m) {
    return DynamicConfig.fromMap(m, "dcs: config key");
  }

  private static List<String> problems(Map<String, Object> m, String origin) {
    return assertThrows(ConfigException.class, () -> DynamicConfig.fromMap(m, origin)).problems();
  }

  @Test
  void defaultsAreSynods() {
    DynamicConfig d = DynamicConfig.defaults();
    assertEquals(1.3, d.ttlSeconds());
    assertEquals(0.5, d.loopWaitSeconds());
    assertEquals(0.4, d.retryTimeoutSeconds());
    assertTrue(d.loopWaitSeconds() + 2 * d.retryTimeoutSeconds() <= d.ttlSeconds());
    assertEquals(List.of(), d.warnings());
    assertEquals(d, dyn(null));
  }

  @Test
  void ttlRule() {
    // Equal is allowed: 0.5 + 2*1 = 2.5.
    assertEquals(
        Duration.ofMillis(2500),
        dyn(Map.of("ttl", 2.5, "loop_wait", 0.5, "retry_timeout", 1)).ttl());
    assertEquals(
        List.of("dcs: config key: ttl: 2.4 is less than loop_wait + 2*retry_timeout (2.5)"),
        problems(Map.of("ttl", 2.4, "loop_wait", 0.5, "retry_timeout", 1), "dcs: config key"));
    // Against the defaults (0.5 + 2*0.4 = 1.3): equal is allowed, below is not, even at the ttl
    // minimum.
    assertEquals(Duration.ofMillis(1300), dyn(Map.of("ttl", 1.3)).ttl());
    assertEquals(
        List.of("dcs: config key: ttl: 1 is less than loop_wait + 2*retry_timeout (1.3)"),
        problems(Map.of("ttl", 1), "dcs: config key"));
    assertEquals(
        List.of("dcs: config key: ttl: 20 is less than loop_wait + 2*retry_timeout (30)"),
        problems(Map.of("ttl", 20, "loop_wait", 10, "retry_timeout", 10), "dcs: config key"));
    // Binary floating point must not break an exact fit: 0.7 + 2*0.4 == 1.5.
    assertEquals(1.5, dyn(Map.of("ttl", 1.5, "loop_wait", 0.7, "retry_timeout", 0.4)).ttlSeconds());
    // Patroni's own defaults are still valid.
    DynamicConfig patroni = dyn(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
    assertEquals(Duration.ofSeconds(30), patroni.ttl());
    assertEquals(Duration.ofSeconds(10), patroni.loopWait());
  }

  @Test
  void minimums() {
    assertEquals(
        List.of(
            "node1.yml: bootstrap.dcs.ttl: 0.5 is less than the minimum 1",
            "node1.yml: bootstrap.dcs.loop_wait: 0.05 is less than the minimum 0.1",
            "node1.yml: bootstrap.dcs.retry_timeout: 0.1 is less than the minimum 0.2"),
        problems(
            Map.of("ttl", 0.5, "loop_wait", 0.05, "retry_timeout", 0.1),
            "node1.yml: bootstrap.dcs"));
  }

  @Test
  void timesAcceptUnitStrings() {
    DynamicConfig d =
        dyn(
            Map.of(
                "ttl",
                "5s",
                "loop_wait",
                "250ms",
                "retry_timeout",
                "2",
                "member_slots_ttl",
                "30min",
                "primary_start_timeout",
                0));
    assertEquals(Duration.ofSeconds(5), d.ttl());
    assertEquals(Duration.ofMillis(250), d.loopWait());
    assertEquals(Duration.ofSeconds(2), d.retryTimeout());
    assertEquals(Duration.ofMinutes(30), d.memberSlotsTtl());
    assertEquals(Duration.ZERO, d.primaryStartTimeout());
    assertEquals(
        List.of(
            "dcs: config key: loop_wait: expected a number of seconds (e.g. 2.5 or \"500ms\"), got "
                + "\"soon\""),
        problems(Map.of("loop_wait", "soon"), "dcs: config key"));
  }

  @Test
  void sizes() {
    assertEquals(16L << 20, dyn(Map.of("maximum_lag_on_failover", "16MB")).maximumLagOnFailover());
    assertEquals(1L << 30, dyn(Map.of("maximum_lag_on_failover", "1GB")).maximumLagOnFailover());
    assertEquals(64L << 10, dyn(Map.of("maximum_lag_on_failover", "64kB")).maximumLagOnFailover());
    assertEquals(
        33554432L, dyn(Map.of("maximum_lag_on_failover", 33554432)).maximumLagOnFailover());
    assertEquals(
        5_000_000_000L,
        dyn(Map.of("maximum_lag_on_failover", 5_000_000_000L)).maximumLagOnFailover());
    assertEquals(-1L, dyn(Map.of("maximum_lag_on_syncnode", "-1")).maximumLagOnSyncnode());
    assertEquals(
        List.of(
            "dcs: config key: maximum_lag_on_failover: expected a size in bytes (e.g. 1048576 or "
                + "\"16MB\"), got \"16XB\": unknown size unit \"XB\" (use B, kB, MB, GB or TB)"),
        problems(Map.of("maximum_lag_on_failover", "16XB"), "dcs: config key"));
    assertEquals(
        List.of(
            "dcs: config key: maximum_lag_on_failover: -5 is negative",
            "dcs: config key: maximum_lag_on_syncnode: -2 is less than -1 (-1 = no limit)"),
        problems(
            Map.of("maximum_lag_on_failover", -5, "maximum_lag_on_syncnode", -2),
            "dcs: config key"));
  }

  @Test
  void synchronousModeSpellings() {
    assertEquals(SynchronousMode.ON, dyn(Map.of("synchronous_mode", true)).synchronousMode());
    assertEquals(SynchronousMode.OFF, dyn(Map.of("synchronous_mode", false)).synchronousMode());
    assertEquals(SynchronousMode.ON, dyn(Map.of("synchronous_mode", "on")).synchronousMode());
    assertEquals(
        SynchronousMode.QUORUM, dyn(Map.of("synchronous_mode", "quorum")).synchronousMode());
    assertEquals(
        SynchronousMode.QUORUM, dyn(Map.of("synchronous_mode", "Quorum")).synchronousMode());
    assertEquals(
        "quorum", dyn(Map.of("synchronous_mode", "quorum")).toMap().get("synchronous_mode"));
    assertEquals(
        List.of(
            "dcs: config key: synchronous_mode: expected off, on or quorum, got \"sometimes\"",
            "dcs: config key: synchronous_node_count: 0 is less than 1"),
        problems(
            Map.of("synchronous_mode", "sometimes", "synchronous_node_count", 0),
            "dcs: config key"));
  }

  @Test
  void legacyMasterTimeouts() {
    DynamicConfig d = dyn(Map.of("master_start_timeout", 15, "master_stop_timeout", 7));
    assertEquals(Duration.ofSeconds(15), d.primaryStartTimeout());
    assertEquals(Duration.ofSeconds(7), d.primaryStopTimeout());
    DynamicConfig both = dyn(Map.of("master_start_timeout", 15, "primary_start_timeout", 20));
    assertEquals(Duration.ofSeconds(20), both.primaryStartTimeout(), "the new name wins");
    assertEquals(List.of(), both.warnings());
  }

  @Test
  void toMapUsesPatroniNamesAndRoundTrips() {
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("ttl", 2.5);
    in.put("retry_timeout", 1.0);
    in.put("pause", true);
    in.put(
        "postgresql",
        Map.of(
            "parameters",
            Map.of("wal_level", "logical"),
            "pg_hba",
            List.of("local all all " + "trust"),
            "parameters_replica",
            Map.of("hot_standby_feedback", "on")));
    in.put("slots", Map.of());
    in.put("standby_cluster", Map.of());
    in.put("future_patroni_key", List.of(1, 2));
    DynamicConfig d = dyn(in);
    Map<String, Object> out = d.toMap();
    assertEquals(2.5, out.get("ttl"));
    assertEquals(0.5, out.get("loop_wait"), "defaults are written too");
    assertEquals(
        Integer.valueOf(1), out.get("retry_timeout"), "whole seconds are written as integers");
    assertEquals(1048576L, out.get("maximum_lag_on_failover"));
    assertEquals(true, out.get("pause"));
    assertEquals("off", out.get("synchronous_mode"));
    Map<?, ?> pg = (Map<?, ?>) out.get("postgresql");
    assertEquals(false, pg.get("use_pg_rewind"));
    assertEquals(true, pg.get("use_slots"));
    assertEquals(Map.of("wal_level", "logical"), pg.get("parameters"));
    assertEquals(
        Map.of("hot_standby_feedback", "on"), pg.get("parameters_replica"), "kept verbatim");
    assertEquals(Map.of(), out.get("standby_cluster"));
    assertEquals(Map.of(), d.standbyCluster());
    assertEquals(List.of(1, 2), out.get("future_patroni_key"));
    assertEquals(d, dyn(out));
    assertEquals(out, dyn(out).toMap());
    assertEquals(
        List.of(
            TestYaml.notUsedDcs("dcs: config key", "postgresql.parameters_replica"),
            "dcs: config key: future_patroni_key: unknown key kept in the dynamic configuration but not used"),
        d.warnings());
  }

  @Test
  void mergeFollowsJsonMergePatch() {
    DynamicConfig base =
        dyn(
            Map.of(
                "ttl",
                5,
                "loop_wait",
                0.3,
                "postgresql",
                Map.of(
                    "parameters",
                    Map.of("work_mem", "4MB", "max_connections", 100),
                    "pg_hba",
                    List.of("a", "b"))));
    Map<String, Object> patch = new HashMap<>();
    Map<String, Object> params = new HashMap<>();
    params.put("work_mem", null);
    params.put("shared_buffers", "1GB");
    patch.put("postgresql", Map.of("parameters", params, "pg_hba", List.of("c")));
    patch.put("ttl", null);
    patch.put("synchronous_mode", "quorum");
    DynamicConfig merged =
        DynamicConfig.fromMap(Maps.mergePatch(base.toMap(), patch), "config patch");

    assertEquals(Duration.ofMillis(1300), merged.ttl(), "null deletes: back to Synod's default");
    assertEquals(Duration.ofMillis(300), merged.loopWait(), "untouched keys stay");
    assertEquals(
        Map.of("max_connections", 100, "shared_buffers", "1GB"), merged.postgresqlParameters());
    assertEquals(List.of("c"), merged.pgHba(), "lists are replaced, not merged");
    assertEquals(SynchronousMode.QUORUM, merged.synchronousMode());
    assertEquals(Duration.ofSeconds(5), base.ttl(), "the original is immutable");
  }

  @Test
  void invalidMergeIsRejected() {
    DynamicConfig base = DynamicConfig.defaults();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                DynamicConfig.fromMap(
                    Maps.mergePatch(base.toMap(), Map.of("loop_wait", 2)), "config patch"));
    assertEquals(
        List.of("config patch: ttl: 1.3 is less than loop_wait + 2*retry_timeout (2.8)"),
        e.problems());
  }

  @Test
  void originWithDottedPathIsJoined() {
    assertEquals(
        List.of("node1.yml: bootstrap.dcs.ttl: 2 is less than loop_wait + 2*retry_timeout (2.5)"),
        problems(
            Map.of("ttl", 2, "loop_wait", 0.5, "retry_timeout", 1), "node1.yml: bootstrap.dcs"));
  }

  @Test
  void postgresqlSectionRules() {
    Map<String, Object> pg = new LinkedHashMap<>();
    pg.put("data_dir", "/x");
    pg.put("use_slots", "off");
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("postgresql", pg);
    in.put("use_pg_rewind", true);
    DynamicConfig d = dyn(in);
    assertFalse(d.useSlots(), "strings are parsed as Patroni's parse_bool");
    assertTrue(d.usePgRewind(), "misplaced top-level key is used, with a warning");
    assertEquals(
        List.of(
            "dcs: config key: use_pg_rewind: belongs under postgresql; using it",
            TestYaml.notUsedDcs("dcs: config key", "postgresql.data_dir")),
        d.warnings());
    assertFalse(d.toMap().containsKey("use_pg_rewind"));
    assertEquals(true, ((Map<?, ?>) d.toMap().get("postgresql")).get("use_pg_rewind"));
    assertFalse(
        ((Map<?, ?>) d.toMap().get("postgresql")).containsKey("data_dir"),
        "an ignored local setting is not stored");
  }

  @Test
  void passwordsInTheDynamicAuthenticationAreRefused() {
    Map<String, Object> su = new LinkedHashMap<>();
    su.put("username", "postgres");
    su.put("password", "hunter2");
    Map<String, Object> rep = new LinkedHashMap<>();
    rep.put("username", "replicator");
    rep.put("sslpassword", "k");
    Map<String, Object> auth = new LinkedHashMap<>();
    auth.put("superuser", su);
    auth.put("replication", rep);
    Map<String, Object> in = Map.of("postgresql", Map.of("authentication", auth));
    String why =
        ": a password here would be stored in the cluster store, served to anyone by GET /config"
            + " and mirrored to etcd/ZooKeeper/Consul; set it in each node's file under"
            + " postgresql.authentication (or PATRONI_SUPERUSER_PASSWORD,"
            + " PATRONI_REPLICATION_PASSWORD, ...)";
    assertEquals(
        List.of(
            "node1.yml: bootstrap.dcs.postgresql.authentication.superuser.password" + why,
            "node1.yml: bootstrap.dcs.postgresql.authentication.replication.sslpassword" + why),
        problems(in, "node1.yml: bootstrap.dcs"));
    // Usernames alone are a local setting: warned about, never stored.
    DynamicConfig d =
        dyn(
            Map.of(
                "postgresql",
                Map.of("authentication", Map.of("superuser", Map.of("username", "x")))));
    assertEquals(1, d.warnings().size(), d.warnings().toString());
    assertTrue(
        d.warnings()
            .get(0)
            .startsWith("dcs: config key: not used by Synod: postgresql.authentication"),
        d.warnings().toString());
    assertFalse(String.valueOf(d.toMap()).contains("authentication"), d.toMap().toString());
  }

  @Test
  void slotsValidation() {
    Map<String, Object> slots = new LinkedHashMap<>();
    slots.put("a", Map.of("type", "weird"));
    slots.put("b", Map.of("type", "logical"));
    slots.put("c", "physical");
    slots.put("d", null);
    slots.put("Bad-Name", null);
    slots.put("cdc", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
    assertEquals(
        List.of(
            "dcs: config key: slots.a.type: expected physical or logical, got \"weird\"",
            "dcs: config key: slots.b: a logical slot needs database and plugin",
            "dcs: config key: slots.c: expected a mapping (type, database, plugin), got a string",
            "dcs: config key: slots.Bad-Name: a slot name is 1 to 63 characters of a-z, 0-9 and _",
            "dcs: config key: slots.cdc: a logical slot needs postgresql.parameters.wal_level:"
                + " logical in the dynamic configuration (it is not set, so replica)",
            "dcs: config key: ignore_slots[0]: expected a mapping (name, type, database, plugin), got a string"),
        problems(Map.of("slots", slots, "ignore_slots", List.of("x")), "dcs: config key"));
    assertEquals(
        List.of(
            "dcs: config key: permanent_slots.cdc: a logical slot needs"
                + " postgresql.parameters.wal_level: logical in the dynamic configuration (it is"
                + " \"replica\")"),
        problems(
            Map.of(
                "permanent_slots",
                Map.of("cdc", Map.of("type", "logical", "database", "app", "plugin", "x")),
                "postgresql",
                Map.of("parameters", Map.of("wal_level", "replica"))),
            "dcs: config key"));
    // Honoured under the old names too, and a logical slot with wal_level logical is accepted.
    DynamicConfig old =
        dyn(
            Map.of(
                "permanent_slots",
                Map.of(
                    "s",
                    Map.of("type", "physical"),
                    "cdc",
                    Map.of("type", "logical", "database", "app", "plugin", "pgoutput")),
                "postgresql",
                Map.of("parameters", Map.of("wal_level", "logical"))));
    assertEquals(Set.of("s", "cdc"), old.slots().keySet());
    DynamicConfig none = dyn(Map.of("permanent_slots", Map.of()));
    assertEquals(Map.of(), none.slots());
    assertNull(none.toMap().get("permanent_slots"));
  }
}
