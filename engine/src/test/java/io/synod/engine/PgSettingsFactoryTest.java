package io.synod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.engine.postgres.PgSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML and dynamic configuration as PostgreSQL settings. */
class PgSettingsFactoryTest {
  private static SynodConfig cfg(String extraPg, String dcs) {
    return ConfigLoader.fromYaml(
        """
        scope: demo
        name: node1
        raft: {data_dir: /tmp/raft, self_addr: 127.0.0.1:8300}
        bootstrap:
          dcs:
        %s
        postgresql:
          data_dir: /tmp/pg
          listen: 127.0.0.1:5432
          bin_dir: /usr/lib/postgresql/15/bin
        %s
        """
            .formatted(dcs.indent(4), extraPg.indent(2)),
        "node1.yml",
        Map.of());
  }

  @Test
  void aNodesPgHbaAndPgIdentReplaceTheDynamicOnes() {
    String dcs = "postgresql:\n  pg_hba: [host all all 10.0.0.0/8 md5]\n  pg_ident: [m s p]";
    SynodConfig dynamicOnly = cfg("", dcs);
    PgSettings d = PgSettingsFactory.build(dynamicOnly, dynamicOnly.dynamic(), 15);
    assertEquals(List.of("host all all 10.0.0.0/8 md5"), d.pgHba());
    assertEquals(List.of("m s p"), d.options().pgIdent());
    SynodConfig local =
        cfg("pg_hba: [host all all 192.168.0.0/16 scram-sha-256]\npg_ident: [x y z]", dcs);
    PgSettings l = PgSettingsFactory.build(local, local.dynamic(), 15);
    assertEquals(List.of("host all all 192.168.0.0/16 scram-sha-256"), l.pgHba());
    assertEquals(List.of("x y z"), l.options().pgIdent());
  }

  @Test
  void theMemberKeyCarriesConnectAddressesPortNotListens() {
    SynodConfig c = cfg("connect_address: 10.0.0.5:6432", "ttl: 2");
    PgSettings s = PgSettingsFactory.build(c, c.dynamic(), 15);
    assertEquals(5432, s.port(), "PostgreSQL still listens on listen's port");
    assertEquals("10.0.0.5", SynodNode.identity(c, s).pgHost());
    assertEquals(6432, SynodNode.identity(c, s).pgPort());
  }

  @Test
  void primaryStopTimeoutAppliesOnlyInSynchronousMode() {
    SynodConfig off = cfg("", "primary_stop_timeout: 7");
    assertEquals(
        Duration.ZERO,
        PgSettingsFactory.build(off, off.dynamic(), 15).options().primaryStopTimeout());
    SynodConfig on = cfg("", "primary_stop_timeout: 7\nsynchronous_mode: on");
    assertEquals(
        Duration.ofSeconds(7),
        PgSettingsFactory.build(on, on.dynamic(), 15).options().primaryStopTimeout());
  }

  @Test
  void localOptionsReachThePostgresController() {
    SynodConfig c =
        cfg(
            """
            config_dir: /etc/pg/main
            pgpass: /var/lib/synod/pgpass
            bin_name: {pg_ctl: pg_ctl, initdb: initdb}
            before_stop: /bin/true
            basebackup: [{max-rate: 10M}]
            rewind: [progress]
            custom_conf: /etc/pg/custom.conf
            recovery_conf: {restore_command: /bin/true}
            authentication:
              replication: {username: r, password: p, sslmode: require}
            """,
            "ttl: 2");
    PgSettings s = PgSettingsFactory.build(c, c.dynamic(), 15);
    assertEquals(java.nio.file.Path.of("/etc/pg/main"), s.configDir());
    assertEquals(java.nio.file.Path.of("/var/lib/synod/pgpass"), s.options().pgpass());
    assertEquals("/bin/true", s.options().beforeStop());
    assertEquals(List.of("--max-rate=10M"), s.options().basebackupArgs());
    assertEquals(List.of("--progress"), s.options().rewindArgs());
    assertEquals(Map.of("restore_command", "/bin/true"), s.options().recoveryConf());
    assertEquals(Map.of("sslmode", "require"), s.replication().params());
    assertEquals(15, s.options().majorVersion());
  }
}
