package io.synod.config;

import static io.synod.config.TestYaml.MINIMAL;
import static io.synod.config.TestYaml.load;
import static io.synod.config.TestYaml.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvOverridesTest {
  @TempDir Path tmp;

  @Test
  void globalVariablesOverrideTheFile() {
    SynodConfig c =
        load(
            MINIMAL,
            Map.of(
                "PATRONI_NAME",
                "node9",
                "PATRONI_SCOPE",
                "prod",
                "PATRONI_NAMESPACE",
                "/synod",
                "PATRONI_THREAD_POOL_SIZE",
                "10"));
    assertEquals("node9", c.name());
    assertEquals("prod", c.scope());
    assertEquals("/synod", c.namespace());
    assertEquals("/synod/prod", c.basePath());
    assertEquals(
        List.of(TestYaml.notUsed("PATRONI_THREAD_POOL_SIZE", "thread_pool_size")), c.warnings());
  }

  @Test
  void emptyVariablesAreIgnoredAsInPatroni() {
    SynodConfig c = load(MINIMAL, Map.of("PATRONI_NAME", ""));
    assertEquals("node1", c.name());
  }

  @Test
  void sectionVariables() {
    SynodConfig c =
        load(
            MINIMAL,
            Map.ofEntries(
                Map.entry("PATRONI_RESTAPI_LISTEN", "0.0.0.0:8009"),
                Map.entry("PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.0.9:8009"),
                Map.entry("PATRONI_RESTAPI_USERNAME", "admin"),
                Map.entry("PATRONI_RESTAPI_PASSWORD", "s3cret"),
                Map.entry("PATRONI_RESTAPI_ALLOWLIST", "10.0.0.0/8, 127.0.0.1"),
                Map.entry("PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS", "true"),
                Map.entry("PATRONI_RESTAPI_HTTP_EXTRA_HEADERS", "X-A: 1, X-B: two"),
                Map.entry("PATRONI_CTL_INSECURE", "on"),
                Map.entry("PATRONI_CTL_USERNAME", "ctl"),
                Map.entry("PATRONI_CTL_PASSWORD", "ctlpw"),
                Map.entry("PATRONI_POSTGRESQL_LISTEN", "0.0.0.0:5433"),
                Map.entry("PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.0.9:5433"),
                Map.entry("PATRONI_POSTGRESQL_DATA_DIR", "/data/pg"),
                Map.entry("PATRONI_POSTGRESQL_CONFIG_DIR", "/etc/pg"),
                Map.entry("PATRONI_POSTGRESQL_BIN_DIR", "/opt/pg/bin"),
                Map.entry("PATRONI_POSTGRESQL_PGPASS", "/tmp/pgpass"),
                Map.entry("PATRONI_POSTGRESQL_BIN_PG_CTL", "pg_ctl16"),
                Map.entry("PATRONI_LOG_LEVEL", "WARNING"),
                Map.entry("PATRONI_LOG_DIR", "/var/log/x")));
    assertEquals(8009, c.restapi().port());
    assertEquals("10.0.0.9:8009", c.restapi().connectAddress());
    assertEquals(new Credentials("admin", "s3cret"), c.restapi().authentication());
    assertEquals(List.of("10.0.0.0/8", "127.0.0.1"), c.restapi().allowlist());
    assertTrue(c.restapi().allowlistIncludeMembers());
    assertEquals(Map.of("X-A", "1", "X-B", "two"), c.restapi().httpExtraHeaders());
    assertTrue(c.ctl().insecure());
    assertEquals(new Credentials("ctl", "ctlpw"), c.ctl().authentication());
    assertEquals(5433, c.postgresql().listenPort());
    assertEquals("10.0.0.9:5433", c.postgresql().connectAddress());
    assertEquals(Path.of("/data/pg"), c.postgresql().dataDir());
    assertEquals(Path.of("/etc/pg"), c.postgresql().configDir());
    assertEquals(Path.of("/opt/pg/bin"), c.postgresql().binDir());
    assertEquals(Path.of("/tmp/pgpass"), c.postgresql().pgpass());
    assertEquals(Map.of("pg_ctl", "pg_ctl16"), c.postgresql().binName());
    assertEquals("WARNING", c.log().level());
    assertEquals(Path.of("/var/log/x"), c.log().dir());
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void authenticationFromEnvMergesWithTheFile() {
    SynodConfig c =
        load(
            MINIMAL + "restapi:\n  authentication: {username: fromfile, password: filepw}\n",
            Map.of("PATRONI_RESTAPI_PASSWORD", "envpw"));
    assertEquals(new Credentials("fromfile", "envpw"), c.restapi().authentication());
  }

  @Test
  void oldLogVariableNames() {
    assertEquals("DEBUG", load(MINIMAL, Map.of("PATRONI_LOGLEVEL", "DEBUG")).log().level());
    assertEquals(
        "ERROR",
        load(MINIMAL, Map.of("PATRONI_LOGLEVEL", "DEBUG", "PATRONI_LOG_LEVEL", "ERROR"))
            .log()
            .level(),
        "the new name wins");
  }

  @Test
  void userVariables() {
    SynodConfig c =
        load(
            MINIMAL,
            Map.of(
                "PATRONI_SUPERUSER_USERNAME", "admin",
                "PATRONI_SUPERUSER_PASSWORD", "supw",
                "PATRONI_REPLICATION_PASSWORD", "reppw",
                "PATRONI_REPLICATION_SSLMODE", "verify-full",
                "PATRONI_REPLICATION_SSLROOTCERT", "/etc/ca.pem",
                "PATRONI_REWIND_USERNAME", "rewinder",
                "PATRONI_REWIND_PASSWORD", "rwpw"));
    PostgresqlConfig pg = c.postgresql();
    assertEquals("admin", pg.superuser().username());
    assertEquals("supw", pg.superuser().password());
    assertEquals("replicator", pg.replication().username(), "default kept");
    assertEquals("reppw", pg.replication().password());
    assertEquals("verify-full", pg.replication().sslmode());
    assertEquals("/etc/ca.pem", pg.replication().connectionParams().get("sslrootcert"));
    assertEquals("rewinder", pg.rewind().username());
    assertEquals("rwpw", pg.rewind().password());
  }

  @Test
  void raftVariablesWithCommaSeparatedPartners() {
    SynodConfig c =
        load(
            MINIMAL,
            Map.of(
                "PATRONI_RAFT_SELF_ADDR", "10.0.0.1:8300",
                "PATRONI_RAFT_PARTNER_ADDRS", "10.0.0.2:8300,10.0.0.3:8300",
                "PATRONI_RAFT_DATA_DIR", "/data/raft",
                "PATRONI_RAFT_ELECTION_TIMEOUT_MS", "200",
                "PATRONI_RAFT_SNAPSHOT_INTERVAL_SECS", "30"));
    RaftConfig r = c.raft();
    assertEquals(new HostPort("10.0.0.1", 8300), r.selfAddr());
    assertEquals(
        List.of(new HostPort("10.0.0.2", 8300), new HostPort("10.0.0.3", 8300)), r.partnerAddrs());
    assertEquals(Path.of("/data/raft"), r.dataDir());
    assertEquals(200, r.electionTimeoutMs());
    assertEquals(30, r.snapshotIntervalSecs());
  }

  @Test
  void raftPartnersAsYamlList() {
    assertEquals(
        List.of(new HostPort("a", 1), new HostPort("b", 2)),
        load(MINIMAL, Map.of("PATRONI_RAFT_PARTNER_ADDRS", "['a:1', 'b:2']"))
            .raft()
            .partnerAddrs());
    assertEquals(
        List.of(new HostPort("a", 1), new HostPort("b", 2)),
        load(MINIMAL, Map.of("PATRONI_RAFT_PARTNER_ADDRS", "- a:1\n- b:2")).raft().partnerAddrs());
  }

  @Test
  void dcsVariables() {
    String noDcs = "scope: demo\nname: node1\npostgresql:\n  data_dir: /tmp/pg\n";
    SynodConfig etcd =
        load(
            noDcs,
            Map.of(
                "PATRONI_ETCD3_HOSTS", "10.0.0.1:2379,10.0.0.2:2379",
                "PATRONI_ETCD3_PROTOCOL", "https",
                "PATRONI_ETCD3_USERNAME", "root",
                "PATRONI_ETCD3_PASSWORD", "etcdpw",
                "PATRONI_ETCD3_CACERT", "/etc/ca.pem"));
    assertEquals("etcd3", etcd.dcs());
    assertEquals(
        Map.of(
            "hosts",
            List.of("10.0.0.1:2379", "10.0.0.2:2379"),
            "protocol",
            "https",
            "username",
            "root",
            "password",
            "etcdpw",
            "cacert",
            "/etc/ca.pem"),
        etcd.etcd3());

    SynodConfig consul =
        load(
            noDcs,
            Map.of(
                "PATRONI_CONSUL_HOST", "127.0.0.1:8500",
                "PATRONI_CONSUL_PORT", "8501",
                "PATRONI_CONSUL_TOKEN", "tok",
                "PATRONI_CONSUL_REGISTER_SERVICE", "yes",
                "PATRONI_CONSUL_CHECKS", "[a, b]"));
    assertEquals(
        Map.of(
            "host",
            "127.0.0.1:8500",
            "port",
            8501L,
            "token",
            "tok",
            "register_service",
            true,
            "checks",
            List.of("a", "b")),
        consul.consul());

    SynodConfig zk =
        load(
            noDcs,
            Map.of(
                "PATRONI_ZOOKEEPER_HOSTS",
                "['zk1:2181', 'zk2:2181']",
                "PATRONI_ZOOKEEPER_SET_ACLS",
                "{CN=principal: [ALL]}"));
    assertEquals(List.of("zk1:2181", "zk2:2181"), zk.zookeeper().get("hosts"));
    assertEquals(Map.of("CN=principal", List.of("ALL")), zk.zookeeper().get("set_acls"));
  }

  @Test
  void tagsHaveNoVariables() {
    SynodConfig c = load(MINIMAL, Map.of("PATRONI_TAGS_NOFAILOVER", "true"));
    assertFalse(c.tags().nofailover());
    assertEquals(
        List.of("PATRONI_TAGS_NOFAILOVER: not a Patroni or Synod variable; ignored"), c.warnings());
  }

  @Test
  void configurationVariableReplacesTheFileAndSilencesOtherVariables() throws Exception {
    Path file = tmp.resolve("node1.yml");
    Files.writeString(file, "this file: [is not even valid");
    SynodConfig c =
        ConfigLoader.load(
            file,
            Map.of(
                "PATRONI_CONFIGURATION", MINIMAL.replace("node1", "from-env"),
                "PATRONI_NAME", "ignored-name",
                "PATRONI_RESTAPI_LISTEN", "garbage"));
    assertEquals("from-env", c.name());
    assertEquals("127.0.0.1:8008", c.restapi().listen());
    assertNull(c.source());
    assertEquals(
        List.of(
            "PATRONI_NAME: ignored because PATRONI_CONFIGURATION is set",
            "PATRONI_RESTAPI_LISTEN: ignored because PATRONI_CONFIGURATION is set"),
        c.warnings());
  }

  @Test
  void configurationVariableErrorsNameIt() {
    assertEquals(
        List.of("PATRONI_CONFIGURATION: name: required"),
        problems(
            "scope: x", Map.of("PATRONI_CONFIGURATION", MINIMAL.replace("name: node1\n", ""))));
    assertEquals(
        List.of("PATRONI_CONFIGURATION: line 1, column 9: mapping values are not allowed here"),
        problems("scope: x", Map.of("PATRONI_CONFIGURATION", "scope: a: b")));
  }

  @Test
  void environmentOnlyConfiguration() {
    SynodConfig c =
        ConfigLoader.load(
            null,
            Map.of(
                "PATRONI_SCOPE",
                "s",
                "PATRONI_NAME",
                "n",
                "PATRONI_RAFT_DATA_DIR",
                "/r",
                "PATRONI_RAFT_SELF_ADDR",
                "127.0.0.1:8300",
                "PATRONI_POSTGRESQL_DATA_DIR",
                "/p"));
    assertEquals("n", c.name());
    assertNull(c.source());
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    null,
                    Map.of(
                        "PATRONI_SCOPE",
                        "s",
                        "PATRONI_POSTGRESQL_DATA_DIR",
                        "/p",
                        "PATRONI_RAFT_DATA_DIR",
                        "/r",
                        "PATRONI_RAFT_SELF_ADDR",
                        "127.0.0.1:8300")));
    assertEquals(List.of("environment: name: required"), e.problems());
  }

  @Test
  void badValuesAreReportedUnderTheVariableName() {
    assertEquals(
        List.of("PATRONI_RESTAPI_LISTEN: \"abc\" is not host:port"),
        problems(MINIMAL, Map.of("PATRONI_RESTAPI_LISTEN", "abc")));
    assertEquals(
        List.of("PATRONI_RAFT_PARTNER_ADDRS: \"bogus\" is not host:port"),
        problems(MINIMAL, Map.of("PATRONI_RAFT_PARTNER_ADDRS", "10.0.0.2:8300,bogus")));
    assertEquals(
        List.of("PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS: expected a boolean, got \"maybe\""),
        problems(MINIMAL, Map.of("PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS", "maybe")));
    assertEquals(
        List.of("PATRONI_RAFT_ELECTION_TIMEOUT_MS: expected an integer, got \"fast\""),
        problems(MINIMAL, Map.of("PATRONI_RAFT_ELECTION_TIMEOUT_MS", "fast")));
    assertEquals(
        List.of(
            "PATRONI_RAFT_SELF_ADDR: \"0.0.0.0:8300\" is a wildcard address; other members cannot "
                + "connect to it"),
        problems(MINIMAL, Map.of("PATRONI_RAFT_SELF_ADDR", "0.0.0.0:8300")));
    String noDcs = "scope: demo\nname: node1\npostgresql:\n  data_dir: /tmp/pg\n";
    assertEquals(
        List.of("PATRONI_CONSUL_PORT: expected an integer, got \"abc\""),
        problems(noDcs + "consul: {host: 'h:1'}\n", Map.of("PATRONI_CONSUL_PORT", "abc")));
    // The position is in the text as parsed, wrapped in {...} like Patroni does.
    assertEquals(
        List.of(
            "PATRONI_RESTAPI_HTTP_EXTRA_HEADERS: line 1, column 6: expected the node content, but "
                + "found '}'"),
        problems(MINIMAL, Map.of("PATRONI_RESTAPI_HTTP_EXTRA_HEADERS", "a: [")));
  }
}
