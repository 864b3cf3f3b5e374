package io.synod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.PgFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL 13+ runs; older binaries or data directories are refused with the setting named. */
class PgVersionsTest {
  @TempDir Path tmp;

  /** A pg_ctl that only prints a version, as an old installation would. */
  private Path fakePgCtl(String version) throws IOException {
    Path bin = tmp.resolve("bin-" + version);
    Files.createDirectories(bin);
    Path pgCtl = bin.resolve("pg_ctl");
    Files.writeString(pgCtl, "#!/bin/sh\necho 'pg_ctl (PostgreSQL) " + version + "'\n");
    Files.setPosixFilePermissions(pgCtl, PosixFilePermissions.fromString("rwxr-xr-x"));
    return pgCtl;
  }

  private Path dataDir(String pgVersion) throws IOException {
    Path d = tmp.resolve("data-" + pgVersion);
    Files.createDirectories(d);
    Files.writeString(d.resolve("PG_VERSION"), pgVersion + "\n");
    return d;
  }

  @Test
  void theInstalledPostgresql15IsSupported() {
    PgFixture.requireBinaries(PgFixture.BIN_DIR);
    assertEquals(15, PgVersions.check(PgFixture.BIN_DIR.resolve("pg_ctl"), tmp.resolve("none")));
  }

  @Test
  void versionOutputIsParsed() {
    assertEquals(15, PgVersions.parse("pg_ctl (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)"));
    assertEquals(9, PgVersions.parse("pg_ctl (PostgreSQL) 9.6.24"));
    assertEquals(17, PgVersions.parse("pg_ctl (PostgreSQL) 17beta1"));
  }

  @Test
  void postgresql12BinariesAreRefusedNamingBinDir() throws IOException {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> PgVersions.check(fakePgCtl("12.19"), null));
    assertTrue(e.getMessage().startsWith("postgresql.bin_dir: "), e.getMessage());
    assertTrue(e.getMessage().contains("is PostgreSQL 12; Synod supports PostgreSQL 13 and newer"));
  }

  @Test
  void anOldDataDirectoryIsRefusedNamingDataDir() throws IOException {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> PgVersions.check(fakePgCtl("15.8"), dataDir("9.6")));
    assertTrue(e.getMessage().startsWith("postgresql.data_dir: "), e.getMessage());
    assertTrue(e.getMessage().contains("PostgreSQL 9 cluster"), e.getMessage());
  }

  @Test
  void aDataDirectoryOfAnotherMajorIsRefused() throws IOException {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> PgVersions.check(fakePgCtl("15.8"), dataDir("14")));
    assertTrue(e.getMessage().contains("holds a PostgreSQL 14 cluster"), e.getMessage());
    assertTrue(e.getMessage().contains("is PostgreSQL 15"), e.getMessage());
    assertEquals(16, PgVersions.check(fakePgCtl("16.2"), dataDir("16")));
  }
}
