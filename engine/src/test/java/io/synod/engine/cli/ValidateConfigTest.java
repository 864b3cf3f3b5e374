package io.synod.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** synod --validate-config and --generate-sample-config. */
class ValidateConfigTest {
  @TempDir Path tmp;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int validate(String yaml, Map<String, String> env) throws IOException {
    Path f = tmp.resolve("node.yml");
    Files.writeString(f, yaml);
    return ValidateConfig.run(
        f,
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private String valid() {
    return """
        scope: demo
        name: node1
        raft: {data_dir: %s, self_addr: 127.0.0.1:8300}
        postgresql:
          data_dir: %s
          bin_dir: /usr/lib/postgresql/15/bin
        """
        .formatted(tmp.resolve("raft"), tmp.resolve("pg"));
  }

  @Test
  void aValidFileExitsZero() throws IOException {
    assertEquals(0, validate(valid(), Map.of()), err());
    assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("node.yml: valid\n"));
  }

  @Test
  void aWitnessIsValidWithoutAnyPostgresqlSettingOrBinary() throws IOException {
    String witness =
        """
        scope: demo
        name: node3
        raft: {data_dir: %s, self_addr: 127.0.0.1:8302, password: 'a long secret for the group'}
        tags: {witness: true}
        """
            .formatted(tmp.resolve("raft"));
    assertEquals(0, validate(witness, Map.of("PATH", "/nonexistent")), err());
    assertEquals(
        1,
        validate(witness + "postgresql: {data_dir: %s}\n".formatted(tmp.resolve("pg")), Map.of()));
    assertTrue(
        err().contains("postgresql: a witness (tags.witness: true) runs no PostgreSQL"), err());
  }

  @Test
  void everyProblemIsListedAndTheExitCodeIsOne() throws IOException {
    Path notADir = tmp.resolve("file");
    Files.writeString(notADir, "");
    String yaml =
        """
        scope: '#FIXME'
        name: node1
        raft: {data_dir: %s, self_addr: 127.0.0.1:8300}
        bootstrap: {dcs: {ttl: 1, loop_wait: 1, retry_timeout: 1}}
        citus: {group: 0, database: x}
        log: {dir: %s}
        thread_pool_size: 5
        postgresql:
          data_dir: %s
          bin_dir: %s
        """
            .formatted(
                tmp.resolve("raft"),
                notADir.resolve("logs"),
                tmp.resolve("pg"),
                tmp.resolve("nobin"));
    assertEquals(1, validate(yaml, Map.of()));
    String e = err();
    assertTrue(e.contains("bootstrap.dcs.ttl: 1 is less than loop_wait + 2*retry_timeout (3)"), e);
    assertTrue(e.contains("citus: refused by Synod"), e);
    // The typed config failed: the checks that need it are not run, but every config error is.
    assertTrue(e.contains(" problems:"), e);
  }

  @Test
  void checksBeyondTheYamlAreListedTogether() throws IOException {
    Path notADir = tmp.resolve("file");
    Files.writeString(notADir, "");
    Path data = tmp.resolve("pg");
    Files.createDirectories(data);
    Files.writeString(data.resolve("junk"), "x");
    String yaml =
        """
        scope: '#FIXME'
        name: node1
        raft: {data_dir: %s, self_addr: 127.0.0.1:8300}
        log: {dir: %s}
        thread_pool_size: 5
        postgresql:
          data_dir: %s
          bin_dir: %s
        """
            .formatted(tmp.resolve("raft"), notADir.resolve("logs"), data, tmp.resolve("nobin"));
    assertEquals(1, validate(yaml, Map.of()));
    String e = err();
    assertTrue(e.contains("node.yml: 3 problems:"), e);
    assertTrue(e.contains("scope: still #FIXME"), e);
    assertTrue(
        e.contains("postgresql.bin_dir: " + tmp.resolve("nobin") + " has no executable pg_ctl"), e);
    assertTrue(e.contains("log.dir: " + notADir.resolve("logs") + " cannot be created"), e);
    assertTrue(e.contains("warning: ") && e.contains("not used by Synod: thread_pool_size"), e);
  }

  @Test
  void aDataDirectoryThatIsNotPostgresIsAProblem() throws IOException {
    Path data = tmp.resolve("pg");
    Files.createDirectories(data);
    Files.writeString(data.resolve("junk"), "x");
    assertEquals(1, validate(valid(), Map.of()));
    assertTrue(err().contains("is neither empty nor a PostgreSQL data directory"), err());
  }

  @Test
  void variablesAreValidatedToo() throws IOException {
    assertEquals(1, validate(valid(), Map.of("PATRONI_RESTAPI_LISTEN", "nope")));
    assertTrue(err().contains("PATRONI_RESTAPI_LISTEN: "), err());
  }

  @Test
  void theSampleLoadsAndOnlyItsFixmesAreProblems() throws IOException {
    Path f = tmp.resolve("sample.yml");
    ConfigGenerator.write(ConfigGenerator.yaml(ConfigGenerator.sample(Map.of()), "# sample\n"), f);
    SynodConfig c = ConfigLoader.read(f, Map.of());
    assertEquals("#FIXME", c.scope());
    assertTrue(c.warnings().isEmpty(), c.warnings().toString());
    int rc =
        ValidateConfig.run(
            f,
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, rc);
    assertTrue(err().contains("4 problems:"), err());
    assertEquals(4, err().lines().filter(l -> l.contains("still #FIXME")).count(), err());
  }

  @Test
  void patroniVariablesFillTheSample() throws IOException {
    Map<String, Object> s =
        ConfigGenerator.sample(
            Map.of(
                "PATRONI_SCOPE", "prod",
                "PATRONI_SUPERUSER_PASSWORD", "a",
                "PATRONI_REPLICATION_PASSWORD", "b",
                "PATRONI_REWIND_PASSWORD", "c",
                "PATRONI_POSTGRESQL_DATA_DIR", tmp.resolve("pg").toString(),
                "PATRONI_RAFT_DATA_DIR", tmp.resolve("raft").toString()));
    Path f = tmp.resolve("filled.yml");
    ConfigGenerator.write(ConfigGenerator.yaml(s, ""), f);
    assertFalse(Files.readString(f).contains("#FIXME"));
    int rc =
        ValidateConfig.run(
            f,
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, rc, err());
    assertEquals("prod", ConfigLoader.read(f, Map.of()).scope());
  }

  @Test
  void libpqConnectionStringsAreParsed() {
    assertEquals(
        Map.of("host", "10.0.0.1", "port", "5433", "user", "postgres", "password", "a b"),
        ConfigGenerator.Dsn.parse("host=10.0.0.1 port=5433 user=postgres password='a b'"));
    assertEquals(
        Map.of(
            "host",
            "db",
            "port",
            "5432",
            "user",
            "u",
            "password",
            "p",
            "dbname",
            "x",
            "sslmode",
            "require"),
        ConfigGenerator.Dsn.parse("postgresql://u:p@db:5432/x?sslmode=require"));
  }
}
