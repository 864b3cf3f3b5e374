package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.PgFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patroni's postgresql options on real PostgreSQL 15: bin_name, config_dir and pg_ident,
 * before_stop and on_stop, primary_stop_timeout, and the roles' libpq options (sslmode...) with
 * pgpass on a TLS-enabled primary and its clone.
 */
class PgOptionsIT {
  PgFixture fixture;

  @BeforeEach
  void start() {
    fixture = new PgFixture();
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  static PgOptions opts() {
    return PgOptions.defaults();
  }

  static PgOptions with(
      PgOptions o,
      Map<String, String> binName,
      Path configDir,
      List<String> pgIdent,
      Path pgpass,
      String beforeStop,
      Duration stopTimeout) {
    return new PgOptions(
        binName != null ? binName : o.binName(),
        configDir != null ? configDir : o.configDir(),
        pgIdent != null ? pgIdent : o.pgIdent(),
        pgpass != null ? pgpass : o.pgpass(),
        beforeStop != null ? beforeStop : o.beforeStop(),
        stopTimeout != null ? stopTimeout : o.primaryStopTimeout(),
        o.basebackupArgs(),
        o.rewindArgs(),
        o.customConf(),
        o.recoveryConf(),
        15);
  }

  /** The same settings with other credentials, parameters and callbacks. */
  static PgSettings copy(
      PgSettings s,
      PgSettings.Credentials su,
      PgSettings.Credentials rep,
      Map<String, String> params,
      Map<String, String> callbacks,
      PgOptions o) {
    return new PgSettings(
        s.name(),
        s.dataDir(),
        s.binDir(),
        s.listenHost(),
        s.port(),
        s.connectHost(),
        su != null ? su : s.superuser(),
        rep != null ? rep : s.replication(),
        s.rewind(),
        params != null ? params : s.parameters(),
        s.pgHba(),
        s.initdbArgs(),
        s.pgCtlTimeout(),
        s.useSlots(),
        s.useRewind(),
        s.removeDataDirectoryOnRewindFailure(),
        callbacks != null ? callbacks : s.callbacks(),
        s.prePromote(),
        s.postBootstrap(),
        s.clusterName(),
        o);
  }

  private Postgres running(PgSettings s) {
    Postgres pg = fixture.postgres(s);
    pg.initdb();
    assertTrue(pg.start());
    return pg;
  }

  @Test
  void binNameNamesTheBinariesThatRun() throws IOException {
    // a bin dir where only the custom names exist
    Path bin = fixture.baseDir().resolve("bin");
    Files.createDirectories(bin);
    Map<String, String> names = new LinkedHashMap<>();
    for (String b :
        List.of("pg_ctl", "initdb", "postgres", "pg_controldata", "pg_basebackup", "pg_rewind")) {
      Files.createSymbolicLink(bin.resolve("my-" + b), PgFixture.BIN_DIR.resolve(b));
      names.put(b, "my-" + b);
    }
    PgSettings base = fixture.settings("binname");
    PgSettings s =
        new PgSettings(
                base.name(),
                base.dataDir(),
                bin,
                base.listenHost(),
                base.port(),
                base.connectHost(),
                base.superuser(),
                base.replication(),
                base.rewind(),
                base.parameters(),
                base.pgHba(),
                base.initdbArgs(),
                base.pgCtlTimeout(),
                base.useSlots(),
                base.useRewind(),
                base.removeDataDirectoryOnRewindFailure(),
                base.callbacks(),
                base.prePromote(),
                base.postBootstrap(),
                base.clusterName())
            .withOptions(with(opts(), names, null, null, null, null, null));
    Postgres pg = running(s);
    assertFalse(pg.sysid().isBlank(), "pg_controldata ran as my-pg_controldata");
    pg.stop(StopMode.FAST);
    assertFalse(pg.isRunning());
  }

  @Test
  void configDirHoldsTheConfigFilesAndPgIdentIsWritten() throws IOException {
    Path cfg = fixture.baseDir().resolve("etc");
    PgSettings base = fixture.settings("cfgdir");
    Postgres pg =
        running(
            base.withOptions(
                with(opts(), null, cfg, List.of("synodmap root postgres"), null, null, null)));
    assertEquals(cfg.resolve("postgresql.conf").toString(), pg.queryValue("SHOW config_file"));
    assertEquals(cfg.resolve("pg_hba.conf").toString(), pg.queryValue("SHOW hba_file"));
    assertEquals(cfg.resolve("pg_ident.conf").toString(), pg.queryValue("SHOW ident_file"));
    assertEquals(
        "synodmap",
        pg.queryValue("SELECT map_name FROM pg_ident_file_mappings WHERE sys_name = 'root'"));
    assertTrue(Files.exists(cfg.resolve(ConfigFiles.BASE_CONF)), "initdb's file moved there");
    assertFalse(
        Files.readString(base.dataDir().resolve("postgresql.auto.conf")).contains("config_dir"));
    // a reload and a restart keep working from there
    pg.reload();
    assertTrue(pg.restart());
    assertEquals(cfg.resolve("postgresql.conf").toString(), pg.queryValue("SHOW config_file"));
  }

  @Test
  void beforeStopRunsWhileTheServerIsUpAndOnStopFiresAfterButNotOnRestart() throws Exception {
    Path log = fixture.baseDir().resolve("events.log");
    Files.writeString(log, "");
    Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
    PgSettings base = fixture.settings("stops");
    String before =
        "sh -c '"
            + PgFixture.BIN_DIR.resolve("pg_isready")
            + " -q -h 127.0.0.1 -p "
            + base.port()
            + " && echo before-while-up >> "
            + log
            + "'";
    Path onStop = fixture.baseDir().resolve("on_stop.sh");
    Files.writeString(onStop, "#!/bin/sh\necho \"$1 $2 $3\" >> " + log + "\n");
    Files.setPosixFilePermissions(onStop, PosixFilePermissions.fromString("rwxr-xr-x"));
    PgSettings s =
        copy(
            base,
            null,
            null,
            null,
            Map.of("on_stop", onStop.toString()),
            with(opts(), null, null, null, null, before, null));
    Postgres pg = running(s);
    assertTrue(pg.restart());
    Thread.sleep(500);
    assertEquals(List.of("before-while-up"), Files.readAllLines(log), "restart: no on_stop");
    pg.stop(StopMode.FAST);
    Await.until(
        Duration.ofSeconds(10),
        "on_stop",
        () -> {
          try {
            return Files.readAllLines(log).size() == 3;
          } catch (IOException e) {
            return false;
          }
        });
    assertEquals(
        List.of("before-while-up", "before-while-up", "on_stop primary synod-test"),
        Files.readAllLines(log));
  }

  @Test
  void inSynchronousModeAPrimaryThatDoesNotStopInTimeIsEnded() throws Exception {
    PgSettings base = fixture.settings("slowstop");
    Map<String, String> params = new LinkedHashMap<>(base.parameters());
    // the archiver holds a fast shutdown until its command returns
    params.put("archive_mode", "on");
    params.put("archive_command", "sleep 25");
    PgSettings s = copy(base, null, null, params, null, opts());
    Postgres pg = running(s);
    pg.execute("CREATE TABLE t AS SELECT generate_series(1, 1000) AS x");
    pg.execute("SELECT pg_switch_wal()");
    Await.until(
        Duration.ofSeconds(10),
        "the archiver to run its command",
        () ->
            !"0"
                    .equals(
                        pg.queryValue(
                            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'archiver'"))
                && Postmaster.processesIn(s.dataDir()).size() > 0);
    Thread.sleep(1000);
    // without primary_stop_timeout, the stop does hang (here: past a 3 s pg_ctl timeout)
    assertThrows(PgException.class, () -> pg.stop(StopMode.FAST, Duration.ofSeconds(3)));
    assertTrue(pg.isRunning());
    // with it (synchronous mode), the stop ends with an immediate shutdown
    pg.updateSettings(
        s.withOptions(with(opts(), null, null, null, null, null, Duration.ofSeconds(2))));
    pg.stop(StopMode.FAST, Duration.ofSeconds(60));
    assertFalse(pg.isRunning());
  }

  /** A self-signed server certificate in a postgres-readable directory. */
  private Path[] certificate() throws Exception {
    Path dir = fixture.baseDir().resolve("tls");
    PgFiles.createPrivateDirectory(dir);
    Path crt = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                crt.toString())
            .redirectErrorStream(true)
            .start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    PgFiles.chownToPostgres(crt);
    PgFiles.chownToPostgres(key);
    return new Path[] {crt, key};
  }

  @Test
  void libpqOptionsAndPgpassReachBasebackupTheWalreceiverAndJdbc() throws Exception {
    Path[] tls = certificate();
    PgSettings base = fixture.settings("tlsprimary");
    Map<String, String> params = new LinkedHashMap<>(base.parameters());
    params.put("ssl", "on");
    params.put("ssl_cert_file", tls[0].toString());
    params.put("ssl_key_file", tls[1].toString());
    Map<String, String> require = Map.of("sslmode", "require");
    PgSettings.Credentials su =
        new PgSettings.Credentials(
            base.superuser().username(), base.superuser().password(), require);
    PgSettings.Credentials rep =
        new PgSettings.Credentials(
            base.replication().username(), base.replication().password(), require);
    Postgres primary = running(copy(base, su, rep, params, null, opts()));
    primary.createUsers();
    assertEquals(
        "t",
        primary.queryValue("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
        "Synod's own JDBC connection uses the superuser's sslmode");

    // the clone: replication role with sslmode=require, passwords through postgresql.pgpass
    Path pgpass = fixture.baseDir().resolve("pgpass");
    PgSettings rb = fixture.settings("tlsreplica");
    PgSettings rs =
        copy(rb, su, rep, null, null, with(opts(), null, null, null, pgpass, null, null));
    Postgres replica = fixture.postgres(rs);
    replica.configureAsReplica("127.0.0.1", base.port(), "tlsprimary");
    replica.createReplica("127.0.0.1", base.port());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pgpass)));
    String conf = Files.readString(rs.dataDir().resolve("postgresql.conf"));
    assertTrue(conf.contains("passfile=" + pgpass), conf);
    assertTrue(conf.contains("sslmode=require"), conf);
    assertFalse(conf.contains(rep.password()), "no password in postgresql.conf");
    primary.createOrUpdateSlots(java.util.Set.of("tlsreplica"));
    replica.start();
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          try {
            return "the replica to stream over TLS; replica log: "
                + PgProcess.tail(Files.readString(replica.logFile()), 1500)
                + "; pg_stat_replication: "
                + primary.query("SELECT * FROM pg_stat_replication");
          } catch (IOException ex) {
            return ex.toString();
          }
        },
        () ->
            "t"
                .equals(
                    primary.queryValue(
                        "SELECT bool_and(s.ssl) FROM pg_stat_replication r JOIN pg_stat_ssl s"
                            + " ON s.pid = r.pid WHERE r.application_name = 'tlsreplica'")));

    // the options really reach pg_basebackup: an unreadable root certificate stops it
    PgSettings.Credentials strict =
        new PgSettings.Credentials(
            rep.username(),
            rep.password(),
            Map.of(
                "sslmode",
                "verify-ca",
                "sslrootcert",
                fixture.baseDir().resolve("none.crt").toString()));
    Postgres bad =
        fixture.postgres(copy(fixture.settings("tlsbad"), su, strict, null, null, opts()));
    PgException e =
        assertThrows(PgException.class, () -> bad.createReplica("127.0.0.1", base.port()));
    assertTrue(e.getMessage().contains("none.crt"), e.getMessage());
  }
}
