package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.cli.DemoFiles;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.PgFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A custom {@code bootstrap.method} as a DBA restoring a backup uses it (Patroni's
 * replica_bootstrap.rst): a base backup of another server, taken with pg_basebackup, is restored by
 * a script the method names; the new cluster is that server's data (same system identifier, same
 * rows), and its replicas are cloned from it.
 */
class CustomBootstrapIT {
  static PgFixture source;

  /** The backed-up server's role passwords (PgFixture's), as a DBA restoring their own has. */
  static final DemoFiles.Secrets SAME_PASSWORDS =
      new DemoFiles.Secrets(DemoFiles.newClusterSecret(), "su-secret", "rep-secret");

  static String sysid;
  static Path backup;
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  /** The server whose backup is restored, with one row to find again; stopped once backed up. */
  @BeforeAll
  static void backUpAServer() throws Exception {
    source = new PgFixture();
    Postgres old = source.postgres(source.settings("old"));
    old.initdb();
    old.start();
    old.createUsers();
    old.execute("CREATE TABLE restored (v text); INSERT INTO restored VALUES ('from-the-backup')");
    sysid = old.sysid();
    backup = source.baseDir().resolve("backup");
    run(
        List.of(
            "runuser",
            "-u",
            "postgres",
            "--",
            "env",
            "PGPASSWORD=rep-secret",
            "/usr/lib/postgresql/15/bin/pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            Integer.toString(old.settings().port()),
            "-U",
            "replicator",
            "-D",
            backup.toString(),
            "-X",
            "stream",
            "-c",
            "fast"));
    old.close();
    PgFixture.stopByPid(old.dataDir());
  }

  @AfterAll
  static void stop() {
    closeCluster();
    if (source != null) {
      source.close();
    }
  }

  static void closeCluster() {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  @Test
  void aClusterBootstrappedFromABackupIsThatBackupsServer() throws Exception {
    cluster = new ClusterFixture("it-custom-bootstrap", 3, "", List.of(), SAME_PASSWORDS);
    Path script = cluster.dir.resolve("restore.sh");
    Files.writeString(
        script,
        """
        #!/bin/sh
        # Patroni's arguments: --scope=NAME --datadir=DIR, then the method's own keys.
        for a in "$@"; do
          case "$a" in
            --datadir=*) d="${a#--datadir=}" ;;
            --backup=*) b="${a#--backup=}" ;;
          esac
        done
        [ -n "$d" ] && [ -n "$b" ] || { echo "restore.sh: --datadir and --backup needed" >&2; exit 2; }
        cp -a "$b"/. "$d"/
        """);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    String method =
        """
          method: restore
          restore:
            command: %s
            backup: %s
            recovery_conf:
              restore_command: 'false'
        """
            .formatted(script, backup);
    for (ClusterFixture.NodeProc n : cluster.nodes()) {
      DemoFiles.writePrivate(n.yml, Files.readString(n.yml).replace(initdbSection(n), method));
    }
    cluster.startAll();
    assertEveryMemberIsTheBackedUpServer();
    closeCluster();
  }

  @Test
  void aNodeWhoseDataDirectoryHoldsAClusterAdoptsIt() throws Exception {
    cluster = new ClusterFixture("it-adopt", 3, "", List.of(), SAME_PASSWORDS);
    ClusterFixture.NodeProc first = cluster.nodes().get(0);
    Path pgdata = first.nodeDir.resolve("pgdata");
    run(List.of("cp", "-a", backup.toString(), pgdata.toString()));
    // All three start together: the empty ones wait for the one with data to claim the cluster.
    cluster.startAll();
    assertEveryMemberIsTheBackedUpServer();
    assertEquals(first.name, cluster.leader(), "the node that brought the data leads");
    closeCluster();
  }

  private static String initdbSection(ClusterFixture.NodeProc n) throws Exception {
    String initdb = "  initdb:\n    - encoding: UTF8\n    - data-checksums\n";
    if (!Files.readString(n.yml).contains(initdb)) {
      throw new IllegalStateException("the fixture's bootstrap section changed: " + n.yml);
    }
    return initdb;
  }

  private static void assertEveryMemberIsTheBackedUpServer() throws Exception {
    String leader = cluster.awaitSettled(Duration.ofSeconds(180), () -> "", () -> true);
    for (ClusterFixture.NodeProc n : cluster.nodes()) {
      try (Connection c = n.connect();
          Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT (SELECT system_identifier::text FROM pg_control_system()),"
                      + " (SELECT string_agg(v, ',') FROM restored)")) {
        r.next();
        assertEquals(sysid, r.getString(1), n.name + ": the restored server's identifier");
        assertEquals("from-the-backup", r.getString(2), n.name + ": the restored row");
      }
    }
    assertTrue(cluster.node(leader).writable(), "the restored cluster takes writes");
  }

  private static void run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
