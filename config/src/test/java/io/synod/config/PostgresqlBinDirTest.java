package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresqlBinDirTest {
  @TempDir Path tmp;

  private Path fakeBinary(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve(name);
    Files.writeString(f, "#!/bin/sh\n");
    f.toFile().setExecutable(true);
    return f;
  }

  private static PostgresqlConfig pg(String extra) {
    return TestYaml.load(TestYaml.MINIMAL.replace("data_dir: /tmp/pg", "data_dir: /tmp/pg" + extra))
        .postgresql();
  }

  @Test
  void picksTheHighestVersionThatHasPgCtl() throws IOException {
    Path lib = tmp.resolve("lib");
    fakeBinary(lib.resolve("9.6/bin"), "pg_ctl");
    fakeBinary(lib.resolve("13/bin"), "pg_ctl");
    fakeBinary(lib.resolve("15/bin"), "pg_ctl");
    Files.createDirectories(lib.resolve("16/bin")); // client-only install: no pg_ctl
    Files.createDirectories(lib.resolve("extras"));
    assertEquals(lib.resolve("15/bin"), pg("").resolveBinDir(lib, null));
  }

  @Test
  void fallsBackToPath() throws IOException {
    Path onPath = tmp.resolve("usr/local/bin");
    fakeBinary(onPath, "pg_ctl");
    String path = tmp.resolve("empty") + java.io.File.pathSeparator + onPath;
    assertEquals(onPath, pg("").resolveBinDir(tmp.resolve("no-such-lib"), path));
  }

  @Test
  void honoursBinNameAndBinDir() throws IOException {
    Path bin = tmp.resolve("custom");
    fakeBinary(bin, "pg_ctl15");
    PostgresqlConfig c = pg("\n  bin_dir: " + bin + "\n  bin_name:\n    pg_ctl: pg_ctl15");
    assertEquals(bin, c.resolveBinDir(tmp.resolve("none"), null));
  }

  @Test
  void notFoundNamesTheSettingAndWhatToInstall() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> pg("").resolveBinDir(tmp.resolve("none"), tmp.toString()));
    assertEquals(
        List.of(
            "node1.yml: postgresql.bin_dir: not set, and no pg_ctl in "
                + tmp.resolve("none")
                + "/<version>/bin or on PATH; install PostgreSQL (e.g. apt-get install postgresql-15) or set "
                + "postgresql.bin_dir"),
        e.problems());

    Path empty = tmp.resolve("emptybin");
    ConfigException wrong =
        assertThrows(
            ConfigException.class,
            () -> pg("\n  bin_dir: " + empty).resolveBinDir(tmp.resolve("none"), null));
    assertEquals(
        List.of(
            "node1.yml: postgresql.bin_dir: "
                + empty
                + " has no executable pg_ctl; install "
                + "PostgreSQL (e.g. apt-get install postgresql-15) or correct the directory"),
        wrong.problems());
  }

  @Test
  void binDirFromEnvironmentIsBlamedOnTheVariable() {
    PostgresqlConfig c =
        TestYaml.load(TestYaml.MINIMAL, Map.of("PATRONI_POSTGRESQL_BIN_DIR", "/nowhere"))
            .postgresql();
    ConfigException e = assertThrows(ConfigException.class, () -> c.resolveBinDir(tmp, null));
    assertEquals(
        List.of(
            "PATRONI_POSTGRESQL_BIN_DIR: /nowhere has no executable pg_ctl; install PostgreSQL "
                + "(e.g. apt-get install postgresql-15) or correct the directory"),
        e.problems());
  }
}
