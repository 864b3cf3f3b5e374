package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.PgFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Config text, names and parsing, without a server. */
class ConfigFilesTest {
  private static PgSettings settings(Map<String, String> params, PgSettings.Credentials su) {
    return new PgSettings(
        "node-1",
        Path.of("/var/lib/pg/data"),
        Path.of("/usr/lib/postgresql/15/bin"),
        "*",
        5433,
        "10.0.0.1",
        su,
        new PgSettings.Credentials("repl", "it's \\ secret"),
        null,
        params,
        List.of("host replication repl 10.0.0.0/8 scram-sha-256"),
        List.of(),
        Duration.ofSeconds(60),
        true,
        true,
        false,
        Map.of(),
        null,
        null,
        "demo");
  }

  @Test
  void postgresqlConfForAReplica() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("max_connections", "200");
    params.put("listen_addresses", "0.0.0.0"); // owned: ignored
    params.put("wal_level", "minimal"); // too low for replication: ignored
    params.put("search_path", "'$user', public");
    String conf =
        ConfigFiles.postgresqlConf(
            settings(params, new PgSettings.Credentials("postgres", "pw")),
            "/run/sock",
            new ReplicaTarget("10.0.0.2", 5432, "node-2"));
    assertTrue(conf.startsWith(ConfigFiles.HEADER));
    assertTrue(conf.contains("include 'postgresql.base.conf'\n"));
    assertTrue(conf.indexOf("include") < conf.indexOf("max_connections"), "base first so ours win");
    assertTrue(conf.contains("listen_addresses = '*'\n"));
    assertFalse(conf.contains("0.0.0.0"));
    assertTrue(conf.contains("port = '5433'\n"));
    assertTrue(conf.contains("cluster_name = 'demo'\n"));
    assertTrue(conf.contains("max_connections = '200'\n"));
    assertTrue(conf.contains("wal_level = 'replica'\n"));
    assertTrue(conf.contains("search_path = '''$user'', public'\n"));
    assertTrue(conf.contains("unix_socket_directories = '/run/sock'\n"));
    assertTrue(conf.contains("primary_slot_name = 'node_1'\n"));
    assertTrue(conf.contains("recovery_target_timeline = 'latest'\n"));
    // conninfo quoting (\' and \\) inside a conf string (backslashes doubled, quotes doubled)
    assertTrue(
        conf.contains(
            "primary_conninfo = 'host=10.0.0.2 port=5432 user=repl"
                + " password=''it\\\\''s \\\\\\\\ secret'' application_name=node-1 connect_timeout=5'\n"),
        conf);
  }

  @Test
  void aNostreamReplicaHasNoConninfoNorSlotButKeepsItsRestoreCommand() {
    PgOptions d = PgOptions.defaults();
    PgOptions nostream =
        new PgOptions(
            d.binName(),
            d.configDir(),
            d.pgIdent(),
            d.pgpass(),
            d.beforeStop(),
            d.primaryStopTimeout(),
            d.basebackupArgs(),
            d.rewindArgs(),
            d.customConf(),
            Map.of("restore_command", "cp /archive/%f %p"),
            15,
            d.methods(),
            true,
            false);
    PgSettings s = settings(Map.of(), new PgSettings.Credentials("postgres", "pw"));
    String conf =
        ConfigFiles.postgresqlConf(
            s.withOptions(nostream), "/run/sock", new ReplicaTarget("10.0.0.2", 5432, "node-2"));
    assertFalse(conf.contains("primary_conninfo"), conf);
    assertFalse(conf.contains("primary_slot_name"), conf);
    assertTrue(conf.contains("from the WAL archive only (tags.nostream)"), conf);
    assertTrue(conf.contains("recovery_target_timeline = 'latest'\n"), conf);
    assertTrue(conf.contains("restore_command = 'cp /archive/%f %p'\n"), conf);
  }

  @Test
  void theReplicationPasswordGoesToAPgpassFileNotIntoPostgresqlConf() {
    // PostgreSQL logs primary_conninfo's new value on every reload: it must not carry a password.
    String conf =
        ConfigFiles.postgresqlConf(
            settings(Map.of(), new PgSettings.Credentials("postgres", "pw")),
            "/run/sock",
            new ReplicaTarget("10.0.0.2", 5432, "node-2"),
            true,
            null,
            Path.of("/var/lib/pg/node-1.pgpass"));
    assertTrue(
        conf.contains(
            "primary_conninfo = 'host=10.0.0.2 port=5432 user=repl"
                + " passfile=/var/lib/pg/node-1.pgpass application_name=node-1 connect_timeout=5'\n"),
        conf);
    assertFalse(conf.contains("secret"), conf);
    assertEquals(
        "*:*:*:re\\:pl:it's \\\\ secret\n",
        ConfigFiles.pgpass(new PgSettings.Credentials("re:pl", "it's \\ secret")));
  }

  @Test
  void postgresqlConfForAPrimaryHasNoStandbySettings() {
    String conf =
        ConfigFiles.postgresqlConf(
            settings(Map.of(), new PgSettings.Credentials("postgres", "pw")), "/run/sock", null);
    assertFalse(conf.contains("primary_conninfo"));
    assertFalse(conf.contains("primary_slot_name"));
  }

  @Test
  void pgHbaPutsSynodLinesFirstAndUsesTrustOnlyWithoutPassword() {
    String hba =
        ConfigFiles.pgHba(settings(Map.of(), new PgSettings.Credentials("postgres", "pw")));
    assertTrue(hba.startsWith(ConfigFiles.HEADER));
    assertFalse(hba.contains("trust"));
    assertTrue(hba.matches("(?s).*local\\s+all\\s+all\\s+scram-sha-256\n.*"), hba);
    assertTrue(
        hba.matches("(?s).*host\\s+replication\\s+repl\\s+127\\.0\\.0\\.1/32\\s+scram-sha-256\n.*"),
        hba);
    assertTrue(hba.indexOf("127.0.0.1/32") < hba.indexOf("10.0.0.0/8"));

    String dev = ConfigFiles.pgHba(settings(Map.of(), new PgSettings.Credentials("Admin", null)));
    assertTrue(dev.matches("(?s).*local\\s+all\\s+all\\s+trust\n.*"), dev);
    assertTrue(
        dev.matches("(?s).*host\\s+all\\s+\"Admin\"\\s+127\\.0\\.0\\.1/32\\s+trust\n.*"), dev);
  }

  @Test
  void localHostMapsWildcardsToLoopback() {
    assertEquals("127.0.0.1", ConfigFiles.localHost("*"));
    assertEquals("127.0.0.1", ConfigFiles.localHost("0.0.0.0,10.0.0.1"));
    assertEquals("::1", ConfigFiles.localHost("::"));
    assertEquals("10.0.0.5", ConfigFiles.localHost("10.0.0.5, 127.0.0.1"));
  }

  @Test
  void slotNamesFollowPatroni() {
    assertEquals("node_1", Slots.slotNameFor("Node-1"));
    assertEquals("a_b_c", Slots.slotNameFor("a.b_c"));
    assertEquals("xu0064y", Slots.slotNameFor("x@y"));
    assertEquals("node_1", Slots.slotNameFor(Slots.slotNameFor("Node-1")), "idempotent");
    assertEquals(63, Slots.slotNameFor("n".repeat(80)).length());
  }

  @Test
  void commandSplittingLikeShlex() {
    assertEquals(
        List.of("/bin/cb", "a b", "c'd", "e\"f", "g h"),
        Callbacks.split("/bin/cb 'a b' \"c'd\" 'e\"f' g\\ h"));
    assertThrows(IllegalArgumentException.class, () -> Callbacks.split("x 'y"));
  }

  @Test
  void controlDataParsing() {
    Map<String, String> cd =
        ControlData.parse(
            """
                pg_control version number:            1300
                Database system identifier:           7391234567890123456
                Database cluster state:               in production
                Latest checkpoint location:           0/3000060
                Latest checkpoint's TimeLineID:       1
                """);
    assertEquals("7391234567890123456", cd.get(ControlData.SYSTEM_IDENTIFIER));
    assertEquals("in production", cd.get(ControlData.CLUSTER_STATE));
    assertEquals("0/3000060", cd.get(ControlData.CHECKPOINT_LOCATION));
    assertEquals("1", cd.get(ControlData.TIMELINE));
    assertFalse(ControlData.cleanlyShutDown(cd));
  }

  @Test
  void settingsDefaultsAndMasking() {
    PgSettings s =
        new PgSettings(
            "n",
            Path.of("d"),
            Path.of("b"),
            null,
            5432,
            null,
            new PgSettings.Credentials("postgres", "topsecret"),
            new PgSettings.Credentials("r", null),
            null,
            null,
            null,
            null,
            null,
            true,
            false,
            false,
            null,
            " ",
            null,
            null);
    assertEquals("127.0.0.1", s.listenHost());
    assertEquals(PgSettings.DEFAULT_PG_CTL_TIMEOUT, s.pgCtlTimeout());
    assertEquals(s.superuser(), s.rewindCredentials());
    assertTrue(s.dataDir().isAbsolute());
    assertEquals(null, s.prePromote());
    assertFalse(s.toString().contains("topsecret"));
  }

  @Test
  void missingBinariesFailWithInstallHint() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> PgFixture.requireBinaries(Path.of("/nonexistent/postgresql/15/bin")));
    assertTrue(e.getMessage().contains("apt-get install postgresql-15"), e.getMessage());
  }
}
