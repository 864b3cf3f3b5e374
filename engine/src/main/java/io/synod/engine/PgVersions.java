package io.synod.engine;

import io.synod.engine.postgres.PgProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which PostgreSQL major versions Synod runs: 13 and newer. Synod always writes {@code
 * wal_keep_size} (13+) and relies on {@code standby.signal}/{@code primary_conninfo} reloads (13+);
 * it is tested with PostgreSQL 15. An older server binary or an older data directory is refused at
 * start (and by {@code synod --validate-config}) with a message naming the setting.
 */
public final class PgVersions {
  /** The oldest major version Synod runs. */
  public static final int MIN_MAJOR = 13;

  /** The version the test suite runs against (Debian 12's postgresql-15). */
  public static final int TESTED_MAJOR = 15;

  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

  private PgVersions() {}

  /**
   * The major version of the server binaries, from {@code pg_ctl --version} ("pg_ctl (PostgreSQL)
   * 15.8" gives 15; 9.6.24 gives 9).
   *
   * @throws IllegalStateException when pg_ctl cannot be run or prints no version
   */
  public static int binaryMajor(Path pgCtl) {
    PgProcess.Result r =
        PgProcess.run(List.of(pgCtl.toString(), "--version"), Map.of(), Duration.ofSeconds(30));
    if (!r.ok()) {
      throw new IllegalStateException(
          "postgresql.bin_dir: cannot run " + pgCtl + " --version: " + r.describe());
    }
    Integer major = parse(r.stdout());
    if (major == null) {
      throw new IllegalStateException(
          "postgresql.bin_dir: " + pgCtl + " --version printed no version: " + r.stdout().strip());
    }
    return major;
  }

  /** "pg_ctl (PostgreSQL) 15.8 (Debian ...)" -> 15; "9.6.24" -> 9; null when not found. */
  static Integer parse(String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput);
    return m.find() ? Integer.valueOf(m.group(1)) : null;
  }

  /** The major version PGDATA was created by ({@code PG_VERSION}); null when there is none. */
  public static Integer dataMajor(Path dataDir) {
    Path f = dataDir == null ? null : dataDir.resolve("PG_VERSION");
    if (f == null || !Files.isReadable(f)) {
      return null;
    }
    try {
      String v = Files.readString(f, StandardCharsets.US_ASCII).strip();
      int dot = v.indexOf('.');
      return Integer.valueOf(dot < 0 ? v : v.substring(0, dot));
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /**
   * Refuses PostgreSQL older than {@value #MIN_MAJOR}, and a data directory of another major
   * version than the binaries.
   *
   * @return the binaries' major version
   * @throws IllegalStateException naming postgresql.bin_dir or postgresql.data_dir and why
   */
  public static int check(Path pgCtl, Path dataDir) {
    int bin = binaryMajor(pgCtl);
    if (bin < MIN_MAJOR) {
      throw new IllegalStateException(
          "postgresql.bin_dir: "
              + pgCtl.getParent()
              + " is PostgreSQL "
              + bin
              + "; Synod supports PostgreSQL "
              + MIN_MAJOR
              + " and newer (it writes wal_keep_size and reconfigures standbys by reload). Install"
              + " a newer PostgreSQL (e.g. apt-get install postgresql-"
              + TESTED_MAJOR
              + ") and point bin_dir at it");
    }
    Integer data = dataMajor(dataDir);
    if (data != null && data < MIN_MAJOR) {
      throw new IllegalStateException(
          "postgresql.data_dir: "
              + dataDir
              + " holds a PostgreSQL "
              + data
              + " cluster (PG_VERSION); Synod supports PostgreSQL "
              + MIN_MAJOR
              + " and newer: upgrade it with pg_upgrade first");
    }
    if (data != null && data != bin) {
      throw new IllegalStateException(
          "postgresql.data_dir: "
              + dataDir
              + " holds a PostgreSQL "
              + data
              + " cluster but postgresql.bin_dir ("
              + pgCtl.getParent()
              + ") is PostgreSQL "
              + bin
              + ": point bin_dir at the "
              + data
              + " binaries, or upgrade the cluster with pg_upgrade");
    }
    return bin;
  }
}
