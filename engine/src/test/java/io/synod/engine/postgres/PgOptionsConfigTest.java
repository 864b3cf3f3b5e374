package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** What PgOptions and the roles' libpq options do to the generated files and commands. */
class PgOptionsConfigTest {
  static final Map<String, String> TLS =
      orderedMap(
          "sslmode", "verify-full",
          "sslrootcert", "/etc/ssl/root.crt",
          "sslcrldir", "/etc/ssl/crl",
          "sslnegotiation", "direct",
          "channel_binding", "require");

  static Map<String, String> orderedMap(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static PgSettings settings(PgOptions o) {
    return new PgSettings(
        "node-1",
        Path.of("/var/lib/pg/data"),
        Path.of("/usr/lib/postgresql/15/bin"),
        "127.0.0.1",
        5433,
        "10.0.0.1",
        new PgSettings.Credentials(
            "postgres", "su", orderedMap("sslmode", "require", "sslcrl", "/c")),
        new PgSettings.Credentials("repl", "rp", TLS),
        new PgSettings.Credentials("rewinder", "rw:x\\y"),
        Map.of(),
        List.of(),
        List.of(),
        Duration.ofSeconds(60),
        true,
        true,
        false,
        Map.of(),
        null,
        null,
        "demo",
        o);
  }

  static PgOptions options(Path configDir, Path pgpass, int major) {
    return new PgOptions(
        Map.of("pg_ctl", "pg_ctl.custom"),
        configDir,
        List.of("map1 sys1 pg1"),
        pgpass,
        null,
        null,
        null,
        null,
        Path.of("/etc/pg/custom.conf"),
        orderedMap("restore_command", "cp /arch/%f %p", "primary_conninfo", "host=evil"),
        major);
  }

  @Test
  void primaryConninfoCarriesTheReplicationRolesLibpqOptionsTheVersionKnows() {
    String c15 =
        ConfigFiles.primaryConninfo(
            settings(options(null, null, 15)), new ReplicaTarget("10.0.0.2", 5432, "n2"), null);
    assertTrue(c15.contains(" sslmode=verify-full"), c15);
    assertTrue(c15.contains(" sslrootcert=/etc/ssl/root.crt"), c15);
    assertTrue(c15.contains(" sslcrldir=/etc/ssl/crl"), "14+: " + c15);
    assertTrue(c15.contains(" channel_binding=require"), c15);
    assertFalse(c15.contains("sslnegotiation"), "17+ only: " + c15);
    assertTrue(c15.contains(" password=rp"), c15);
    String c17 =
        ConfigFiles.primaryConninfo(
            settings(options(null, null, 17)), new ReplicaTarget("10.0.0.2", 5432, "n2"), null);
    assertTrue(c17.contains(" sslnegotiation=direct"), c17);
  }

  @Test
  void withPgpassThePasswordStaysOutOfPostgresqlConf() {
    PgSettings s = settings(options(null, Path.of("/var/lib/synod/pgpass"), 15));
    String c = ConfigFiles.primaryConninfo(s, new ReplicaTarget("10.0.0.2", 5432, "n2"), null);
    assertTrue(c.contains(" passfile=/var/lib/synod/pgpass"), c);
    assertFalse(c.contains("password="), c);
    assertEquals("*:*:*:postgres:su\n*:*:*:repl:rp\n*:*:*:rewinder:rw\\:x\\\\y\n", Libpq.pgpass(s));
    assertEquals(
        Map.of("PGPASSFILE", "/var/lib/synod/pgpass"), Libpq.passwordEnv(s, s.replication()));
    PgSettings plain = settings(options(null, null, 15));
    assertEquals(Map.of("PGPASSWORD", "rp"), Libpq.passwordEnv(plain, plain.replication()));
  }

  @Test
  void configDirCustomConfAndRecoveryConf() {
    PgSettings s = settings(options(Path.of("/etc/pg/main"), null, 15));
    assertEquals(Path.of("/etc/pg/main"), s.configDir());
    String standby =
        ConfigFiles.postgresqlConf(
            s, "/run/sock", new ReplicaTarget("10.0.0.2", 5432, "n2"), true, null, null);
    assertTrue(standby.contains("include '/etc/pg/custom.conf'\n"), standby);
    assertFalse(standby.contains("postgresql.base.conf"), standby);
    assertTrue(standby.contains("data_directory = '/var/lib/pg/data'\n"), standby);
    assertTrue(standby.contains("hba_file = '/etc/pg/main/pg_hba.conf'\n"), standby);
    assertTrue(standby.contains("ident_file = '/etc/pg/main/pg_ident.conf'\n"), standby);
    assertTrue(standby.contains("restore_command = 'cp /arch/%f %p'\n"), standby);
    assertFalse(standby.contains("host=evil"), "recovery_conf cannot replace primary_conninfo");
    String primary = ConfigFiles.postgresqlConf(s, "/run/sock", null, false, null, null);
    assertFalse(primary.contains("restore_command"), "standby settings only on a standby");
    assertTrue(ConfigFiles.pgIdent(s).endsWith("map1 sys1 pg1\n"));
    PgSettings inData = settings(options(null, null, 15));
    assertEquals(inData.dataDir(), inData.configDir());
    assertFalse(
        ConfigFiles.postgresqlConf(inData, "/s", null, false, null, null)
            .contains("data_directory"));
  }

  @Test
  void theSuperusersOptionsReachJdbcByPgjdbcsNames() {
    PgSettings s = settings(options(null, null, 17));
    Properties p = new Properties();
    Libpq.jdbc(s.replication(), 17, p);
    assertEquals("verify-full", p.getProperty("sslmode"));
    assertEquals("/etc/ssl/root.crt", p.getProperty("sslrootcert"));
    assertEquals("require", p.getProperty("channelBinding"));
    assertEquals("direct", p.getProperty("sslNegotiation"));
    assertEquals(null, p.getProperty("sslcrldir"), "pgjdbc has no CRL option");
    assertTrue(
        Libpq.notUsed(settings(options(null, null, 15))).stream()
            .anyMatch(w -> w.startsWith("postgresql.authentication.replication.sslnegotiation")));
    assertTrue(
        Libpq.notUsed(s).stream()
            .anyMatch(w -> w.startsWith("postgresql.authentication.superuser.sslcrl: ")));
  }

  @Test
  void binNameIsWhatRuns() {
    Postgres pg = new Postgres(settings(options(null, null, 15)));
    assertEquals("/usr/lib/postgresql/15/bin/pg_ctl.custom", pg.bin("pg_ctl"));
    assertEquals("/usr/lib/postgresql/15/bin/initdb", pg.bin("initdb"));
  }
}
