package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The settings that decide where a member's data comes from and where it goes (Patroni's
 * replica_bootstrap.rst, standby_cluster.rst): each one Synod does not implement yet is refused at
 * load with an error naming the key, so a restore never silently becomes an empty initdb, a DR site
 * never silently becomes an independent writable primary. The values that mean "what Synod does"
 * (method initdb, create_replica_methods [basebackup], nostream false) are accepted.
 */
class ReplicaKeysTest {
  private static String refusal(String source, String shown, String row) {
    return source + ": " + shown + ": " + ConfigKeys.lookup(row).refusal();
  }

  private static List<String> problems(String extra) {
    return TestYaml.problems(TestYaml.minimalWith(extra));
  }

  @Test
  void aStandbyClusterIsTypedInTheFileAndThroughTheConfigKey() {
    SynodConfig c =
        TestYaml.load(
            TestYaml.minimalWith(
                """
                bootstrap:
                  dcs:
                    standby_cluster:
                      host: 10.0.0.9
                      port: 5433
                      primary_slot_name: patroni
                      create_replica_methods: [basebackup]
                      restore_command: cp /archive/%f %p
                      recovery_min_apply_delay: 5min
                """));
    StandbyCluster sc = c.dynamic().standby();
    assertEquals("10.0.0.9", sc.host());
    assertEquals(5433, sc.port());
    assertEquals("patroni", sc.primarySlotName());
    assertEquals(List.of("basebackup"), sc.createReplicaMethods());
    assertEquals(
        Map.of("restore_command", "cp /archive/%f %p", "recovery_min_apply_delay", "5min"),
        sc.recovery());
    assertEquals(List.of(), c.warnings());
    assertEquals("the remote primary 10.0.0.9:5433", sc.describe());
    // PATCH /config and the store's config key are typed by the same parser.
    assertEquals(
        5432,
        DynamicConfig.fromMap(Map.of("standby_cluster", Map.of("host", "remote")), "x")
            .standby()
            .port());
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () ->
                DynamicConfig.fromMap(
                    Map.of("standby_cluster", Map.of("port", 70000, "hots", "x")),
                    "dcs: config key"));
    assertEquals(3, e.problems().size(), e.problems().toString());
    assertTrue(e.problems().get(0).contains("standby_cluster.hots: unknown standby_cluster key"));
    assertTrue(e.problems().get(1).contains("standby_cluster.port: 70000 is not a TCP port"));
    assertTrue(
        e.problems().get(2).contains("standby_cluster.host: a standby cluster needs host"),
        e.problems().toString());
    DynamicConfig none = DynamicConfig.fromMap(Map.of("standby_cluster", Map.of()), "x");
    assertNull(none.standby(), "an empty section is a primary cluster");
  }

  @Test
  void aCustomBootstrapMethodIsTakenAsPatroniWritesIt() {
    SynodConfig c =
        TestYaml.load(
            TestYaml.minimalWith(
                """
                bootstrap:
                  method: pgbackrest
                  pgbackrest:
                    command: /usr/bin/pgbackrest --stanza=main --delta restore
                    keep_existing_recovery_conf: true
                    no_params: true
                    recovery_conf:
                      restore_command: pgbackrest --stanza=main archive-get %f %p
                """));
    assertEquals("pgbackrest", c.bootstrap().method());
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void customReplicaMethodsAreTakenAsPatroniWritesThem() {
    SynodConfig walg =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg",
                "data_dir: /tmp/pg\n  create_replica_methods: [wal_g, basebackup]\n"
                    + "  wal_g: {command: 'wal-g backup-fetch %p LATEST', no_leader: true}"));
    assertEquals(List.of("wal_g", "basebackup"), walg.postgresql().createReplicaMethods());
    assertEquals(
        Map.of("command", "wal-g backup-fetch %p LATEST", "no_leader", true),
        walg.postgresql().replicaMethods().get("wal_g"));
    assertEquals(List.of(), walg.warnings());
    SynodConfig c =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg",
                "data_dir: /tmp/pg\n  create_replica_methods: [basebackup]\n"
                    + "  basebackup: [{max-rate: 100M}, {checkpoint: fast}]"));
    assertEquals(List.of("basebackup"), c.postgresql().createReplicaMethods());
    assertEquals(List.of("--max-rate=100M", "--checkpoint=fast"), c.postgresql().basebackupArgs());
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void permanentSlotsAreHonouredUnderEveryNameAsIsIgnoreSlots() {
    for (String key : List.of("slots", "permanent_replication_slots", "permanent_slots")) {
      SynodConfig c =
          TestYaml.load(
              TestYaml.minimalWith(
                  "bootstrap:\n  dcs:\n    postgresql: {parameters: {wal_level: logical}}\n    "
                      + key
                      + ":\n      debezium: {type: logical, database: app, plugin: pgoutput}\n"));
      assertEquals(
          Map.of("debezium", Map.of("type", "logical", "database", "app", "plugin", "pgoutput")),
          c.dynamic().slots(),
          key);
      assertEquals(List.of(), c.warnings(), key);
    }
    // A logical slot without wal_level logical is refused, naming both keys.
    List<String> p =
        problems(
            "bootstrap:\n  dcs:\n    slots:\n"
                + "      debezium: {type: logical, database: app, plugin: pgoutput}\n");
    assertEquals(
        List.of(
            "node1.yml: bootstrap.dcs.slots.debezium: a logical slot needs"
                + " postgresql.parameters.wal_level: logical in the dynamic configuration (it is"
                + " not set, so replica)"),
        p);
    SynodConfig c =
        TestYaml.load(
            TestYaml.minimalWith(
                "bootstrap:\n  dcs:\n    ignore_slots:\n      - {name: ext, type: physical}\n"));
    assertEquals(List.of(Map.of("name", "ext", "type", "physical")), c.dynamic().ignoreSlots());
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void cascadingAndArchiveOnlyTagsAreAcceptedAndTheirDeadEndsWarned() {
    SynodConfig cascade = TestYaml.load(TestYaml.minimalWith("tags:\n  replicatefrom: node2\n"));
    assertEquals("node2", cascade.tags().replicatefrom());
    assertEquals(List.of(), cascade.warnings());
    assertEquals(
        List.of(
            "node1.yml: tags.replicatefrom: names this node itself; it streams from the leader"),
        TestYaml.load(TestYaml.minimalWith("tags:\n  replicatefrom: node1\n")).warnings());

    SynodConfig archiveOnly =
        TestYaml.load(
            TestYaml.minimalWith(
                "  recovery_conf:\n    restore_command: cp /archive/%f %p\n"
                    + "tags:\n  nostream: true\n"));
    assertTrue(archiveOnly.tags().nostream());
    assertEquals(List.of(), archiveOnly.warnings());
    List<String> w =
        TestYaml.load(TestYaml.minimalWith("tags:\n  nostream: true\n  replicatefrom: node2\n"))
            .warnings();
    assertEquals(2, w.size(), w.toString());
    assertTrue(w.get(0).startsWith("node1.yml: tags.nostream: "), w.get(0));
    assertTrue(w.get(0).contains("no restore_command"), w.get(0));
    assertEquals(
        "node1.yml: tags.replicatefrom: has no effect beside tags.nostream: nothing is streamed",
        w.get(1));
    SynodConfig c =
        TestYaml.load(TestYaml.minimalWith("tags:\n  nostream: false\n  witness: false\n"));
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void removingDataOnDivergedTimelinesAndCheckTimelineAreTaken() {
    SynodConfig c =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                    "data_dir: /tmp/pg",
                    "data_dir: /tmp/pg\n  remove_data_directory_on_diverged_timelines: true")
                + "bootstrap:\n  dcs:\n    check_timeline: true\n");
    assertTrue(c.postgresql().removeDataDirectoryOnDivergedTimelines());
    assertTrue(c.dynamic().checkTimeline());
    assertEquals(List.of(), c.warnings());
  }
}
