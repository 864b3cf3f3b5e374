package io.synod.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.engine.postgres.PgSettings;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.testing.PgFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** synod --generate-config against a running PostgreSQL 15. */
class GenerateConfigIT {
  static PgFixture fixture;
  static PgSettings s;

  @BeforeAll
  static void start() {
    fixture = new PgFixture();
    s = fixture.settings("gen");
    Postgres pg = fixture.postgres(s);
    pg.initdb();
    pg.start();
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private String dsn() {
    return "host=127.0.0.1 port=" + s.port() + " user=postgres password=su-secret dbname=postgres";
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRunningServersSettingsBecomeANodeConfig() throws Exception {
    Map<String, Object> c = ConfigGenerator.fromRunning(dsn(), Map.of(), () -> null);
    assertEquals("synod-test", c.get("scope"), "cluster_name becomes the scope");
    Map<String, Object> pg = (Map<String, Object>) c.get("postgresql");
    assertEquals(s.dataDir().toString(), pg.get("data_dir"));
    assertEquals("127.0.0.1:" + s.port(), pg.get("listen"));
    assertEquals(
        PgFixture.BIN_DIR.toString(), pg.get("bin_dir"), "from the postmaster's executable");
    Map<String, Object> auth = (Map<String, Object>) pg.get("authentication");
    assertEquals(Map.of("username", "postgres", "password", "su-secret"), auth.get("superuser"));
    assertEquals("#FIXME", ((Map<String, Object>) auth.get("replication")).get("password"));
    List<String> hba = (List<String>) pg.get("pg_hba");
    assertTrue(
        hba.stream().anyMatch(l -> l.startsWith("host replication replicator")), hba.toString());
    Map<String, Object> dcs =
        (Map<String, Object>) ((Map<String, Object>) c.get("bootstrap")).get("dcs");
    Map<String, Object> params =
        (Map<String, Object>) ((Map<String, Object>) dcs.get("postgresql")).get("parameters");
    assertEquals(30, params.get("max_connections"));
    assertEquals("16MB", params.get("shared_buffers"));
    assertEquals("off", params.get("fsync"));

    Path f = fixture.baseDir().resolve("generated.yml");
    ConfigGenerator.write(ConfigGenerator.yaml(c, "# generated\n"), f);
    SynodConfig typed = ConfigLoader.read(f, Map.of());
    assertEquals(s.port(), typed.postgresql().listenPort());
    assertEquals("16MB", typed.dynamic().postgresqlParameters().get("shared_buffers"));
  }

  @Test
  void aWrongPasswordIsAClearError() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                ConfigGenerator.fromRunning(
                    dsn().replace("su-secret", "wrong"), Map.of(), () -> null));
    assertTrue(
        e.getMessage().startsWith("cannot connect to jdbc:postgresql://127.0.0.1:"),
        e.getMessage());
  }

  @Test
  void aUnixSocketHostIsRefused() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> ConfigGenerator.fromRunning("host=/var/run/postgresql", Map.of(), () -> null));
    assertTrue(e.getMessage().contains("connects over TCP"), e.getMessage());
  }
}
