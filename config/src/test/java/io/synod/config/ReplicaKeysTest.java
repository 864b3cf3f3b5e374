package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
  void aStandbyClusterIsRefusedInTheFileAndThroughTheConfigKey() {
    List<String> p =
        problems(
            """
            bootstrap:
              dcs:
                standby_cluster:
                  host: 10.0.0.9
                  port: 5432
                  primary_slot_name: patroni
                  create_replica_methods: [basebackup]
            """);
    assertEquals(
        List.of(
            refusal("node1.yml", "bootstrap.dcs.standby_cluster", "bootstrap.dcs.standby_cluster")),
        p);
    assertTrue(p.get(0).contains("not supported by Synod yet"), p.get(0));
    assertTrue(p.get(0).contains("independent writable primary"), p.get(0));
    // PATCH /config and the store's config key are typed by the same parser.
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () ->
                DynamicConfig.fromMap(
                    Map.of("standby_cluster", Map.of("host", "remote")), "dcs: config key"));
    assertEquals(
        List.of(refusal("dcs: config key", "standby_cluster", "bootstrap.dcs.standby_cluster")),
        e.problems());
    assertEquals(
        Map.of(), DynamicConfig.fromMap(Map.of("standby_cluster", Map.of()), "x").standbyCluster());
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
  void removingDataOnDivergedTimelinesIsWarnedOnce() {
    SynodConfig c =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg",
                "data_dir: /tmp/pg\n  remove_data_directory_on_diverged_timelines: true"));
    assertEquals(
        List.of(
            TestYaml.notUsed(
                "node1.yml", "postgresql.remove_data_directory_on_diverged_timelines")),
        c.warnings());
  }
}
