package io.synod.config;

import static io.synod.config.TestYaml.load;
import static io.synod.config.TestYaml.minimalWith;
import static io.synod.config.TestYaml.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path tmp;

  private static String resource(String name) throws IOException {
    try (InputStream in = ConfigLoaderTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void fullPatroniStyleFileIsTypedCompletely() throws IOException {
    Path file = tmp.resolve("node1.yml");
    Files.writeString(file, resource("node1.yml"));
    SynodConfig c = ConfigLoader.load(file, Map.of());

    assertEquals(file, c.source());
    assertEquals("batman", c.scope());
    assertEquals("/db/", c.namespace());
    assertEquals("/db/batman", c.basePath());
    assertEquals("node1", c.name());
    assertEquals("raft", c.dcs());

    RestApiConfig r = c.restapi();
    assertEquals("0.0.0.0:8008", r.listen());
    assertEquals("0.0.0.0", r.host());
    assertEquals(8008, r.port());
    assertEquals("10.0.0.1", r.connectHost());
    assertEquals(8008, r.connectPort());
    assertEquals(new Credentials("admin", "secret"), r.authentication());
    assertEquals("/etc/ssl/api.pem", r.certfile());
    assertEquals("/etc/ssl/api.key", r.keyfile());
    assertEquals("keypass", r.keyfilePassword());
    assertEquals("/etc/ssl/ca.pem", r.cafile());
    assertEquals(VerifyClient.OPTIONAL, r.verifyClient());
    assertEquals(List.of("10.0.0.0/24", "127.0.0.1"), r.allowlist());
    assertTrue(r.allowlistIncludeMembers());
    assertEquals(Map.of("X-Frame-Options", "SAMEORIGIN"), r.httpExtraHeaders());
    assertTrue(r.tls());
    assertEquals("https://10.0.0.1:8008/patroni", r.apiUrl());

    CtlConfig ctl = c.ctl();
    assertEquals(new Credentials("ctl", "ctlpass"), ctl.authentication());
    assertFalse(ctl.insecure());
    assertEquals("/etc/ssl/ca.pem", ctl.cacert());
    assertEquals("/etc/ssl/ctl.pem", ctl.certfile());
    assertEquals("/etc/ssl/ctl.key", ctl.keyfile());

    RaftConfig raft = c.raft();
    assertEquals(Path.of("/var/lib/synod/raft"), raft.dataDir());
    assertEquals(new HostPort("10.0.0.1", 8300), raft.selfAddr());
    assertEquals(
        List.of(new HostPort("10.0.0.2", 8300), new HostPort("10.0.0.3", 8300)),
        raft.partnerAddrs());
    assertEquals(3, raft.peers().size());
    assertEquals(250, raft.electionTimeoutMs());
    assertEquals(120, raft.snapshotIntervalSecs());

    DynamicConfig d = c.dynamic();
    assertEquals(Duration.ofSeconds(4), d.ttl());
    assertEquals(Duration.ofMillis(500), d.loopWait());
    assertEquals(Duration.ofMillis(1500), d.retryTimeout());
    assertEquals(16L * 1024 * 1024, d.maximumLagOnFailover());
    assertEquals(64L * 1024, d.maximumLagOnSyncnode());
    assertEquals(Duration.ofSeconds(10), d.primaryStartTimeout(), "legacy master_start_timeout");
    assertEquals(Duration.ofSeconds(5), d.primaryStopTimeout());
    assertTrue(d.checkTimeline());
    assertEquals(SynchronousMode.ON, d.synchronousMode(), "YAML 'on' is a boolean, read as on");
    assertTrue(d.synchronousModeStrict());
    assertEquals(2, d.synchronousNodeCount());
    assertTrue(d.failsafeMode());
    assertFalse(d.pause());
    assertTrue(d.usePgRewind());
    assertFalse(d.useSlots());
    assertEquals(200, d.postgresqlParameters().get("max_connections"));
    assertEquals("replica", d.postgresqlParameters().get("wal_level"));
    assertEquals(2, d.pgHba().size());
    assertEquals(100, d.maxTimelinesHistory());
    assertEquals(Duration.ofHours(1), d.memberSlotsTtl());
    assertEquals(List.of(Map.of("name", "ignored", "type", "physical")), d.ignoreSlots());

    BootstrapConfig b = c.bootstrap();
    assertTrue(b.usesInitdb());
    assertEquals(
        List.of("--encoding=UTF8", "--data-checksums", "--locale=en_US.UTF-8"), b.initdbArgs());
    assertEquals("/usr/local/bin/setup.sh", b.postBootstrap());

    PostgresqlConfig pg = c.postgresql();
    assertEquals(List.of("0.0.0.0"), pg.listenHosts());
    assertEquals(5432, pg.listenPort());
    assertEquals("10.0.0.1:5432", pg.connectAddress());
    assertEquals("10.0.0.1:6432", pg.proxyAddress());
    assertEquals(Path.of("/var/lib/postgresql/15/main"), pg.dataDir());
    assertEquals(Path.of("/etc/postgresql/15/main"), pg.configDir());
    assertEquals(Path.of("/usr/lib/postgresql/15/bin"), pg.binDir());
    assertEquals(Map.of("pg_ctl", "pg_ctl.custom"), pg.binName());
    assertEquals(Path.of("/tmp/pgpass0"), pg.pgpass());
    assertEquals("postgres", pg.superuser().username());
    assertEquals("zalando", pg.superuser().password());
    assertEquals("replicator", pg.replication().username());
    assertEquals("require", pg.replication().sslmode());
    assertEquals("rewind_user", pg.rewind().username());
    assertEquals("/var/run/postgresql", pg.parameters().get("unix_socket_directories"));
    assertEquals(List.of("local all all trust"), pg.pgHba());
    assertEquals(30, pg.pgCtlTimeout());
    assertEquals(Boolean.FALSE, pg.usePgRewind());
    assertEquals(List.of("--keep-going"), pg.rewindArgs());
    assertEquals(List.of("basebackup"), pg.createReplicaMethods());
    assertEquals(List.of("--max-rate=100M", "--checkpoint=fast"), pg.basebackupArgs());
    assertEquals("/usr/local/bin/cb.sh", pg.callbacks().onStart());
    assertEquals("/usr/local/bin/role_change.sh", pg.callbacks().onRoleChange());
    assertNull(pg.callbacks().onStop());
    assertEquals("/usr/local/bin/fence.sh", pg.prePromote());
    assertEquals("/usr/local/bin/drain.sh", pg.beforeStop());
    assertTrue(pg.removeDataDirectoryOnRewindFailure());
    assertTrue(pg.removeDataDirectoryOnDivergedTimelines());
    assertTrue(pg.useUnixSocket());

    Tags t = c.tags();
    assertFalse(t.nofailover());
    assertEquals(2, t.failoverPriority());
    assertFalse(t.noloadbalance());
    assertTrue(t.clonefrom());
    assertFalse(t.nosync());
    assertFalse(t.nostream());
    assertNull(t.replicatefrom());
    assertEquals("eu-1", t.asMap().get("datacenter"));

    assertEquals("DEBUG", c.log().level());
    assertEquals(Path.of("/var/log/synod"), c.log().dir());

    // The watchdog section is honoured (Synod's fence), except its device.
    assertEquals(WatchdogConfig.Mode.AUTOMATIC, c.watchdog().mode());
    assertEquals(1000, c.watchdog().safetyMarginMs(4));
    // Every warning is a warned key of config/README.md's table, named as written.
    assertEquals(
        c.warnings().size(), TestYaml.notUsedPaths(c.warnings()).size(), c.warnings().toString());
    assertTrue(c.warnings().contains(TestYaml.notUsed(file.toString(), "watchdog.device")));
  }

  @Test
  void watchdogModesAndAMarginThatCannotFitTheTtl() {
    assertEquals(WatchdogConfig.Mode.AUTOMATIC, load(TestYaml.MINIMAL).watchdog().mode());
    assertEquals(
        WatchdogConfig.Mode.REQUIRED,
        load(TestYaml.MINIMAL + "watchdog:\n  mode: required\n").watchdog().mode());
    assertEquals(
        WatchdogConfig.Mode.OFF,
        load(TestYaml.MINIMAL + "watchdog:\n  mode: off\n").watchdog().mode());
    assertEquals(300, load(TestYaml.MINIMAL).watchdog().safetyMarginMs(2));
    assertEquals(
        1000,
        load(TestYaml.MINIMAL + "watchdog:\n  safety_margin: -1\n").watchdog().safetyMarginMs(2));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> load(TestYaml.MINIMAL + "watchdog:\n  safety_margin: 5\n"));
    assertTrue(
        e.problems().stream().anyMatch(p -> p.contains("watchdog.safety_margin: 5.0 s")),
        e.problems().toString());
    ConfigException bad =
        assertThrows(
            ConfigException.class, () -> load(TestYaml.MINIMAL + "watchdog:\n  mode: sometimes\n"));
    assertTrue(bad.problems().toString().contains("watchdog.mode"), bad.problems().toString());
  }

  @Test
  void dynamicPartRoundTripsAndLocalOnlyDropsIt() throws IOException {
    SynodConfig c = ConfigLoader.fromYaml(resource("node1.yml"), "node1.yml", Map.of());
    DynamicConfig d = c.dynamic();
    Map<String, Object> json = d.toMap();
    assertEquals(d, DynamicConfig.fromMap(json, "dcs: config key"));
    assertEquals("on", json.get("synchronous_mode"));
    assertEquals(10, json.get("primary_start_timeout"));
    assertFalse(json.containsKey("master_start_timeout"));

    Map<String, Object> local = c.localOnly();
    assertFalse(((Map<?, ?>) local.get("bootstrap")).containsKey("dcs"));
    assertTrue(((Map<?, ?>) local.get("bootstrap")).containsKey("initdb"));
    assertTrue(((Map<?, ?>) c.raw().get("bootstrap")).containsKey("dcs"), "raw() keeps everything");
    assertThrows(UnsupportedOperationException.class, () -> c.raw().put("x", 1));
  }

  @Test
  void defaultsForAMinimalFile() {
    SynodConfig c = load(TestYaml.MINIMAL);
    assertEquals("/service", c.namespace());
    assertEquals("/service/demo", c.basePath());
    assertNull(c.source());
    assertEquals("127.0.0.1:8008", c.restapi().listen());
    assertEquals("127.0.0.1:8008", c.restapi().connectAddress());
    assertEquals(8008, c.restapi().port());
    assertNull(c.restapi().authentication());
    assertEquals(VerifyClient.NONE, c.restapi().verifyClient());
    assertEquals("http://127.0.0.1:8008/patroni", c.restapi().apiUrl());
    assertEquals(CtlConfig.defaults(), c.ctl());
    assertEquals(300, c.raft().electionTimeoutMs());
    assertEquals(60, c.raft().snapshotIntervalSecs());
    assertEquals(List.of(), c.raft().partnerAddrs());
    assertNull(c.etcd3());
    assertNull(c.zookeeper());
    assertNull(c.consul());

    DynamicConfig d = c.dynamic();
    assertEquals(DynamicConfig.defaults(), d);
    assertEquals(Duration.ofMillis(1300), d.ttl());
    assertEquals(Duration.ofMillis(500), d.loopWait());
    assertEquals(Duration.ofMillis(400), d.retryTimeout());
    assertEquals(1048576L, d.maximumLagOnFailover());
    assertEquals(-1L, d.maximumLagOnSyncnode());
    assertEquals(Duration.ofSeconds(300), d.primaryStartTimeout());
    assertEquals(Duration.ZERO, d.primaryStopTimeout());
    assertEquals(SynchronousMode.OFF, d.synchronousMode());
    assertEquals(1, d.synchronousNodeCount());
    assertFalse(d.checkTimeline());
    assertFalse(d.failsafeMode());
    assertFalse(d.usePgRewind());
    assertTrue(d.useSlots());
    assertEquals(0, d.maxTimelinesHistory());
    assertEquals(Duration.ofMinutes(30), d.memberSlotsTtl());

    PostgresqlConfig pg = c.postgresql();
    assertEquals("127.0.0.1:5432", pg.listen());
    assertEquals("127.0.0.1:5432", pg.connectAddress());
    assertEquals(Path.of("/tmp/pg"), pg.configDir());
    assertNull(pg.binDir());
    assertEquals("postgres", pg.superuser().username());
    assertEquals("replicator", pg.replication().username());
    assertNull(pg.rewind());
    assertEquals(60, pg.pgCtlTimeout());
    assertNull(pg.usePgRewind());
    assertEquals(List.of("basebackup"), pg.createReplicaMethods());
    assertEquals(Callbacks.none(), pg.callbacks());

    assertTrue(c.bootstrap().usesInitdb());
    assertEquals(List.of(), c.bootstrap().initdbArgs());
    assertFalse(c.tags().nofailover());
    assertEquals(1, c.tags().failoverPriority());
    assertEquals("INFO", c.log().level());
    assertEquals(List.of(), c.warnings());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.fromYaml(
                    """
                scope: demo
                restapi:
                  listen: [a, b]
                raft:
                  data_dir: /tmp/raft
                  self_addr: x
                postgresql: {}
                bootstrap:
                  dcs:
                    ttl: 2
                    loop_wait: 0.5
                    retry_timeout: 1
                """,
                    "node1.yml",
                    Map.of()));
    assertEquals(
        List.of(
            "node1.yml: name: required",
            "node1.yml: restapi.listen: expected a string, got a list",
            "node1.yml: raft.self_addr: \"x\" is not host:port",
            "node1.yml: bootstrap.dcs.ttl: 2 is less than loop_wait + 2*retry_timeout (2.5)",
            "node1.yml: postgresql.data_dir: required"),
        e.problems());
    // One line per problem in the message.
    for (String p : e.problems()) {
      assertTrue(e.getMessage().contains(System.lineSeparator() + "  " + p), p);
    }
  }

  @Test
  void requiredTopLevelKeys() {
    List<String> p =
        problems("raft: {data_dir: /r, self_addr: 'h:1'}\npostgresql: {data_dir: /p}\n");
    assertEquals(List.of("node1.yml: scope: required", "node1.yml: name: required"), p);
  }

  @Test
  void reservedMemberName() {
    assertEquals(
        List.of(
            "node1.yml: name: \"__patroni_strict_sync_replica_placeholder__\" is reserved by Patroni"),
        problems(
            TestYaml.MINIMAL.replace(
                "name: node1", "name: __patroni_strict_sync_replica_placeholder__")));
  }

  @Test
  void badYamlReportsLineAndColumn() {
    List<String> p = problems("scope: demo\nname: node1\nraft: data_dir: /x\n");
    assertEquals(List.of("node1.yml: line 3, column 15: mapping values are not allowed here"), p);
  }

  @Test
  void duplicateKeysAreAnError() {
    List<String> p = problems(TestYaml.MINIMAL + "name: node2\n");
    assertEquals(1, p.size());
    assertTrue(
        p.get(0).startsWith("node1.yml: line 8, column 1: found duplicate key name"), p.get(0));
  }

  @Test
  void emptyAndNonMappingDocuments() {
    assertEquals(
        List.of(
            "node1.yml: empty; expected a YAML mapping (scope, name, restapi, raft, postgresql...)"),
        problems("# nothing\n"));
    assertEquals(
        List.of("node1.yml: expected a YAML mapping at the top level, got a list"),
        problems("- a\n- b\n"));
  }

  @Test
  void missingFileIsNamed() {
    Path missing = tmp.resolve("nope.yml");
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, Map.of()));
    assertEquals(List.of(missing + ": file not found"), e.problems());
  }

  @Test
  void unreadableFileIsNamed() throws IOException {
    Path dir = tmp.resolve("sub");
    Files.createDirectory(dir);
    Path binary = dir.resolve("bad.yml");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(binary, Map.of()));
    assertEquals(List.of(binary + ": cannot read: not UTF-8 text"), e.problems());
  }

  @Test
  void directoryOfFilesIsMergedInNameOrder() throws IOException {
    Files.writeString(tmp.resolve("00-base.yml"), TestYaml.MINIMAL);
    Files.writeString(
        tmp.resolve("10-node.yaml"), "name: node7\nrestapi:\n  listen: 127.0.0.1:9008\n");
    Files.writeString(tmp.resolve("README.txt"), "not yaml: [");
    SynodConfig c = ConfigLoader.load(tmp, Map.of());
    assertEquals("node7", c.name());
    assertEquals(9008, c.restapi().port());
    assertEquals("/tmp/pg", c.postgresql().dataDir().toString());
  }

  @Test
  void wrongTypesNameTheExpectedType() {
    List<String> p =
        problems(
            minimalWith(
                """
                restapi:
                  allowlist: 10.0.0.1
                  allowlist_include_members: maybe
                  authentication:
                    username: admin
                    password: yes
                ctl: [x]
                tags:
                  nofailover: "false"
                  failover_priority: high
                """));
    assertEquals(
        List.of(
            "node1.yml: restapi.authentication.password: expected a string, got a boolean (YAML reads "
                + "yes/no/on/off as booleans: quote the value)",
            "node1.yml: restapi.allowlist: expected a list, got a string",
            "node1.yml: restapi.allowlist_include_members: expected a boolean, got \"maybe\"",
            "node1.yml: ctl: expected a mapping, got a list",
            "node1.yml: tags.nofailover: expected a boolean (true or false), got \"false\"",
            "node1.yml: tags.failover_priority: expected an integer, got \"high\""),
        p);
  }

  @Test
  void allowlistEntriesThatCannotBeUsedAreErrors() {
    assertEquals(
        List.of(
            "node1.yml: restapi.allowlist[1]: \"10.0.0.0/-1\": the prefix length -1 is out of"
                + " range 0-32",
            "node1.yml: restapi.allowlist[2]: \"10.0.0.0/33\": the prefix length 33 is out of"
                + " range 0-32",
            "node1.yml: restapi.allowlist[3]: \"fd00::/abc\": the prefix length must be a number"
                + " 0-128",
            "node1.yml: restapi.allowlist[4]: \"300.1.2.3\": not an IP address",
            "node1.yml: restapi.allowlist[5]: \"no-such-host.invalid\": host name does not"
                + " resolve",
            "node1.yml: restapi.allowlist[6]: \"db.example/24\": a network needs an IP address"
                + " before the /, got \"db.example\"",
            "node1.yml: restapi.allowlist[7]: empty entry"),
        problems(
            minimalWith(
                "restapi:\n  allowlist: ['10.0.0.0/8', '10.0.0.0/-1', '10.0.0.0/33', 'fd00::/abc',"
                    + " '300.1.2.3', no-such-host.invalid, db.example/24, '']\n")));
    assertEquals(
        List.of("10.0.0.0/8", "::1", "localhost", "fd00::/8"),
        load(minimalWith("restapi:\n  allowlist: [10.0.0.0/8, '::1', localhost, 'fd00::/8']\n"))
            .restapi()
            .allowlist());
  }

  @Test
  void authenticationNeedsBothKeys() {
    assertEquals(
        List.of("node1.yml: restapi.authentication.password: required"),
        problems(minimalWith("restapi:\n  authentication:\n    username: admin\n")));
  }

  @Test
  void restApiAddressRules() {
    assertEquals(
        List.of(
            "node1.yml: restapi.connect_address: required when restapi.listen is a wildcard "
                + "address (0.0.0.0:8008)"),
        problems(minimalWith("restapi:\n  listen: 0.0.0.0:8008\n")));
    assertEquals(
        List.of(
            "node1.yml: restapi.connect_address: \"0.0.0.0:8008\" is a wildcard address; other "
                + "members cannot connect to it"),
        problems(minimalWith("restapi:\n  connect_address: 0.0.0.0:8008\n")));
    assertEquals(
        List.of(
            "node1.yml: restapi.listen: \"127.0.0.1:99999\": port 99999 is out of range 1-65535"),
        problems(minimalWith("restapi:\n  listen: 127.0.0.1:99999\n")));
    assertEquals(
        List.of(
            "node1.yml: restapi.verify_client: expected one of none, optional, required, got "
                + "\"always\""),
        problems(minimalWith("restapi:\n  verify_client: always\n")));
    assertEquals(
        List.of("node1.yml: restapi.verify_client: required needs HTTPS: set restapi.certfile"),
        problems(minimalWith("restapi:\n  verify_client: required\n")));
    assertEquals(
        List.of(
            "node1.yml: restapi.verify_client: required needs restapi.cafile: client certificates"
                + " are verified against it"),
        problems(
            minimalWith(
                "restapi:\n  certfile: /etc/c.pem\n  keyfile: /etc/k.pem\n"
                    + "  verify_client: required\n")));
  }

  @Test
  void ipv6Addresses() {
    SynodConfig c =
        load(minimalWith("restapi:\n  listen: '[::]:8008'\n  connect_address: '[fd00::1]:8008'\n"));
    assertEquals("::", c.restapi().host());
    assertEquals("fd00::1", c.restapi().connectHost());
    assertEquals("http://[fd00::1]:8008/patroni", c.restapi().apiUrl());
  }

  @Test
  void raftValidation() {
    String base =
        """
                scope: demo
                name: node1
                postgresql:
                  data_dir: /tmp/pg
                raft:
                """;
    assertEquals(
        List.of("node1.yml: raft.data_dir: required", "node1.yml: raft.self_addr: required"),
        problems(base + "  partner_addrs: []\n"));
    assertEquals(
        List.of(
            "node1.yml: raft.partner_addrs[0]: \"h:70000\": port 70000 is out of range 1-65535",
            "node1.yml: raft.partner_addrs[1]: 10.0.0.1:8300 is self_addr; list only the other members",
            "node1.yml: raft.partner_addrs[3]: 10.0.0.2:8300 is listed twice",
            "node1.yml: raft.partner_addrs[4]: \"nohost\" is not host:port",
            "node1.yml: raft.election_timeout_ms: 20 is out of range 100-60000",
            "node1.yml: raft.snapshot_interval_secs: -1 is negative (0 disables snapshots)"),
        problems(
            base
                + """
                          data_dir: /r
                          self_addr: 10.0.0.1:8300
                          partner_addrs: ['h:70000', '10.0.0.1:8300', '10.0.0.2:8300', '10.0.0.2:8300', nohost]
                          election_timeout_ms: 20
                          snapshot_interval_secs: -1
                        """));
    assertEquals(
        List.of(
            "node1.yml: raft.self_addr: \"0.0.0.0:8300\" is a wildcard address; other members "
                + "cannot connect to it"),
        problems(base + "  data_dir: /r\n  self_addr: 0.0.0.0:8300\n"));
  }

  @Test
  void raftTransportSettings() {
    String base = TestYaml.MINIMAL.replace("raft:\n", "raft:\n  bind_addr: 10.0.0.1\n");
    SynodConfig plain = load(base);
    assertEquals(HostPort.parse("10.0.0.1:8300"), plain.raft().bindAddr(), "port from self_addr");
    assertEquals(HostPort.parse("10.0.0.1:8300"), plain.raft().listenAddr());
    assertFalse(plain.raft().authenticated());
    assertEquals(
        HostPort.parse("127.0.0.1:8300"), load(TestYaml.MINIMAL).raft().listenAddr(), "self_addr");

    String secret = "s3cr3t-s3cr3t-s3cr3t-0123456789";
    SynodConfig withSecret = load(base.replace("raft:\n", "raft:\n  password: " + secret + "\n"));
    assertEquals(secret, withSecret.raft().password());
    assertTrue(withSecret.raft().authenticated());
    assertFalse(withSecret.raft().toString().contains(secret), withSecret.raft().toString());
    assertTrue(withSecret.warnings().isEmpty(), withSecret.warnings().toString());
    assertEquals(
        secret,
        load(TestYaml.MINIMAL, Map.of("PATRONI_RAFT_PASSWORD", secret)).raft().password(),
        "PATRONI_RAFT_PASSWORD");

    assertEquals(
        List.of(
            "node1.yml: raft.password: is shorter than 16 characters: anyone who can reach a Raft"
                + " port can test guesses offline; use a long random secret (openssl rand -base64 32)"),
        load(base.replace("raft:\n", "raft:\n  password: short\n")).warnings());

    SynodConfig tls =
        load(
            base.replace(
                "raft:\n",
                "raft:\n  certfile: /etc/synod/n1.pem\n  keyfile: /etc/synod/n1.key\n"
                    + "  keyfile_password: kp\n  cafile: /etc/synod/ca.pem\n"));
    assertTrue(tls.raft().tls());
    assertEquals(Path.of("/etc/synod/ca.pem"), tls.raft().cafile());
    assertFalse(tls.raft().toString().contains("kp,"), tls.raft().toString());

    assertEquals(
        List.of(
            "node1.yml: raft.password: is empty; remove the key or set a long random secret",
            "node1.yml: raft.keyfile: set without raft.certfile: Raft TLS needs this node's"
                + " certificate",
            "node1.yml: raft.cafile: set without raft.certfile: Raft TLS needs this node's"
                + " certificate"),
        problems(base.replace("raft:\n", "raft:\n  password: ''\n  keyfile: /k\n  cafile: /c\n")));
    assertEquals(
        List.of(
            "node1.yml: raft.cafile: required with raft.certfile: peers are accepted when their"
                + " certificate is signed by this CA",
            "node1.yml: raft.password: set together with raft.certfile: choose one way for peers"
                + " to authenticate (the secret, or certificates)"),
        problems(
            base.replace("raft:\n", "raft:\n  certfile: /c.pem\n  password: " + secret + "\n")));
  }

  @Test
  void slowRaftElectionAgainstLeaseSlackIsAWarning() {
    String slow =
        TestYaml.MINIMAL.replace(
            "self_addr: 127.0.0.1:8300", "self_addr: 127.0.0.1:8300\n  election_timeout_ms: 1000");
    // Defaults: slack = 1.3*0.98 - 0.3 - 1.3/16 = 0.893 s < 2.5 x 1000 ms.
    assertEquals(
        List.of(
            "node1.yml: raft.election_timeout_ms: 1000 ms: a Raft leader change can take 2.5x that"
                + " (2.5 s), more than the primary's lease slack, ttl*0.98 - watchdog.safety_margin"
                + " - ttl/16 (0.893 s); the primary may demote during one"),
        load(slow).warnings());
    // The default election timeout fits the default slack (0.75 s), and so does 350 ms (0.875 s);
    // 400 ms (1 s) does not.
    assertEquals(List.of(), load(TestYaml.MINIMAL).warnings());
    assertEquals(List.of(), load(timeout(350)).warnings());
    assertEquals(1, load(timeout(400)).warnings().size());
    // A longer ttl absorbs the slow election (5*0.98 - 0.3 - 5/16 = 4.29 s)...
    assertEquals(List.of(), load(slow + "bootstrap:\n  dcs:\n    ttl: 5\n").warnings());
    // ...a wider fence margin eats into it (3*0.98 - 0.6 - 3/16 = 2.15 s), a narrower one gives
    // back (3*0.98 - 0.2 - 3/16 = 2.55 s), and loop_wait and retry_timeout play no part.
    String ttl3 = slow + "bootstrap:\n  dcs:\n    ttl: 3\n    loop_wait: 1\n    retry_timeout: 1\n";
    assertEquals(
        List.of(
            "node1.yml: raft.election_timeout_ms: 1000 ms: a Raft leader change can take 2.5x that"
                + " (2.5 s), more than the primary's lease slack, ttl*0.98 - watchdog.safety_margin"
                + " - ttl/16 (2.153 s); the primary may demote during one"),
        load(ttl3 + "watchdog:\n  safety_margin: 0.6\n").warnings());
    assertEquals(List.of(), load(ttl3 + "watchdog:\n  safety_margin: 0.2\n").warnings());
  }

  private static String timeout(int ms) {
    return TestYaml.MINIMAL.replace(
        "self_addr: 127.0.0.1:8300", "self_addr: 127.0.0.1:8300\n  election_timeout_ms: " + ms);
  }

  @Test
  void exactlyOneDcs() {
    String noDcs = "scope: demo\nname: node1\npostgresql:\n  data_dir: /tmp/pg\n";
    assertEquals(
        List.of(
            "node1.yml: raft: required: Synod keeps its cluster state in an embedded Raft group "
                + "(or configure one of etcd3, zookeeper, consul)"),
        problems(noDcs));
    // With raft, etcd3/zookeeper/consul are mirror targets (dcs-bridges): allowed, any number of
    // them.
    assertEquals(
        List.of(),
        load(minimalWith(
                "etcd3:\n  hosts: [10.0.0.1:2379]\nzookeeper:\n  hosts: [z:2181]\n"
                    + "bridge:\n  accept_requests: true\n"))
            .warnings());
    assertEquals("raft", load(minimalWith("etcd3:\n  hosts: [10.0.0.1:2379]\n")).dcs());
    assertEquals(
        List.of(
            "node1.yml: zookeeper: more than one DCS configured (etcd3, zookeeper); keep exactly one"),
        problems(noDcs + "etcd3:\n  hosts: [10.0.0.1:2379]\nzookeeper:\n  hosts: [z:2181]\n"));
    SynodConfig c = load(noDcs + "etcd3:\n  hosts: [10.0.0.1:2379]\n  protocol: https\n");
    assertEquals("etcd3", c.dcs());
    assertNull(c.raft());
    assertEquals(List.of("10.0.0.1:2379"), c.etcd3().get("hosts"));
    assertEquals("https", c.etcd3().get("protocol"));
    SynodConfig zk = load(noDcs + "zookeeper:\n  hosts: ['zk1:2181']\n");
    assertEquals("zookeeper", zk.dcs());
    SynodConfig consul = load(noDcs + "consul:\n  host: 127.0.0.1:8500\n");
    assertEquals("consul", consul.dcs());
    assertEquals("127.0.0.1:8500", consul.consul().get("host"));
  }

  @Test
  void unknownKeysAreWarningsNotErrors() {
    SynodConfig c =
        load(
            minimalWith(
                    """
                colour: blue
                restapi:
                  listen_port: 8008
                bootstrap:
                  dcs:
                    ttl_seconds: 3
                """)
                .replace(
                    "  data_dir: /tmp/pg",
                    "  data_dir: /tmp/pg\n  foo: 1\n  callbacks:\n    on_boot: x"));
    assertEquals(
        List.of(
            "node1.yml: unknown key restapi.listen_port ignored",
            "node1.yml: bootstrap.dcs.ttl_seconds: unknown key kept in the dynamic configuration but not used",
            "node1.yml: unknown key postgresql.callbacks.on_boot ignored",
            "node1.yml: unknown key postgresql.foo ignored",
            "node1.yml: unknown key colour ignored"),
        c.warnings());
    assertEquals(3, c.dynamic().toMap().get("ttl_seconds"), "unknown dynamic keys round-trip");
  }

  @Test
  void patroniKeysSynodDoesNotUseAreWarnedAboutOnceEach() {
    SynodConfig c =
        load(
            minimalWith(
                    """
                thread_pool_size: 5
                restapi:
                  request_queue_size: 5
                  server_tokens: minimal
                  ciphers: HIGH
                log:
                  type: json
                  format: [message, levelname]
                  file_num: 4
                kubernetes:
                  labels: {app: x}
                """)
                .replace(
                    "  data_dir: /tmp/pg",
                    """
                  data_dir: /tmp/pg
                  custom_conf: /etc/custom.conf
                  use_slots: true
                """)
                .replace(
                    "  self_addr: 127.0.0.1:8300",
                    """
                  self_addr: 127.0.0.1:8300
                  bind_addr: 0.0.0.0:8300
                """));
    assertEquals(
        List.of("postgresql.use_slots", "thread_pool_size", "kubernetes"),
        TestYaml.notUsedPaths(c.warnings()));
    assertEquals(3, c.warnings().size(), c.warnings().toString());
    assertEquals("HIGH", c.restapi().ciphers());
    assertEquals("minimal", c.restapi().serverTokens());
    assertEquals(5, c.restapi().requestQueueSize());
    assertEquals(java.nio.file.Path.of("/etc/custom.conf"), c.postgresql().customConf());
    assertTrue(c.log().json());
    assertEquals(List.of("message", "levelname"), List.copyOf(c.log().jsonFields().keySet()));
  }

  @Test
  void postgresqlValidation() {
    assertEquals(
        List.of(
            "node1.yml: postgresql.connect_address: required when postgresql.listen is a wildcard "
                + "address (*:5432)"),
        problems(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg", "data_dir: /tmp/pg\n  listen: '*:5432'")));
    assertEquals(
        List.of(
            "node1.yml: postgresql.pg_ctl_timeout: -5 is negative",
            "node1.yml: postgresql.rewind[0]: option target-pgdata for pg_rewind is not allowed (Synod sets it)",
            "node1.yml: postgresql.basebackup.pgdata: option pgdata for pg_basebackup is not allowed (Synod sets "
                + "it)",
            "node1.yml: postgresql.wal_g: required by create_replica_methods (a section with at least command)",
            "node1.yml: postgresql.pgbackrest.command: required"),
        problems(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg",
                """
                        data_dir: /tmp/pg
                          pg_ctl_timeout: -5
                          rewind: [{target-pgdata: /x}]
                          create_replica_methods: [wal_g, pgbackrest, basebackup]
                          pgbackrest: {keep_data: true}
                          basebackup: {pgdata: /x}
                        """)));
  }

  @Test
  void postgresqlListenWithSeveralHostsAndDefaultPort() {
    SynodConfig c =
        load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg", "data_dir: /tmp/pg\n  listen: 127.0.0.1,10.0.0.5:5433"));
    assertEquals(List.of("127.0.0.1", "10.0.0.5"), c.postgresql().listenHosts());
    assertEquals(5433, c.postgresql().listenPort());
    assertEquals("127.0.0.1:5433", c.postgresql().connectAddress());
    SynodConfig noPort =
        load(
            TestYaml.MINIMAL.replace("data_dir: /tmp/pg", "data_dir: /tmp/pg\n  listen: 10.0.0.5"));
    assertEquals(5432, noPort.postgresql().listenPort());
    assertEquals(new HostPort("10.0.0.5", 5432), noPort.postgresql().connectHostPort());
  }

  @Test
  void bootstrapInitdbListFormAndErrors() {
    SynodConfig c =
        load(
            minimalWith(
                """
                bootstrap:
                  initdb:
                    - data-checksums
                    - encoding: UTF8
                    - wal-segsize: 64
                    - auth-local: '"peer map=x"'
                  post_init: /bin/post.sh
                """));
    assertEquals(
        List.of(
            "--data-checksums", "--encoding=UTF8", "--wal-segsize=64", "--auth-local=peer map=x"),
        c.bootstrap().initdbArgs());
    assertEquals("/bin/post.sh", c.bootstrap().postBootstrap());

    assertEquals(
        List.of(
            "node1.yml: bootstrap.initdb[0]: option pgdata for initdb is not allowed (Synod sets it)",
            "node1.yml: bootstrap.initdb[1]: expected an option name (data-checksums) or a single-key mapping "
                + "(encoding: UTF8), got a mapping",
            "node1.yml: bootstrap.initdb[2]: expected an option name (data-checksums) or a single-key mapping "
                + "(encoding: UTF8), got a list"),
        problems(
            minimalWith(
                """
                        bootstrap:
                          initdb:
                            - pgdata: /x
                            - {a: 1, b: 2}
                            - [x]
                        """)));
  }

  @Test
  void customBootstrapMethodNeedsItsSection() {
    assertEquals(
        List.of(
            "node1.yml: bootstrap.clone_with_walg: required by bootstrap.method: clone_with_walg (a "
                + "section with at least command)"),
        problems(minimalWith("bootstrap:\n  method: clone_with_walg\n")));
    SynodConfig c =
        load(
            minimalWith(
                """
                bootstrap:
                  method: clone_with_walg
                  clone_with_walg:
                    command: /bin/clone.sh
                    recovery_conf: {restore_command: 'wal-g fetch %f %p'}
                """));
    assertFalse(c.bootstrap().usesInitdb());
    assertEquals("/bin/clone.sh", c.bootstrap().customMethod().get("command"));
    assertEquals(List.of(), c.warnings());
    assertEquals(
        List.of(
            "node1.yml: bootstrap.walg.no_params: expected a boolean, got \"maybe\"",
            "node1.yml: bootstrap.walg.recovery_conf: expected a mapping, got a string"),
        problems(
            minimalWith(
                """
                bootstrap:
                  method: walg
                  walg: {command: /bin/x, no_params: maybe, recovery_conf: x}
                """)));
  }

  @Test
  void tagsAreValidatedAndUserTagsKept() {
    SynodConfig c =
        load(minimalWith("tags:\n  nofailover: true\n  failover_priority: 3\n  rack: r1\n"));
    assertTrue(c.tags().nofailover());
    assertEquals(0, c.tags().failoverPriority(), "nofailover wins");
    assertEquals("r1", c.tags().asMap().get("rack"));
    assertEquals(
        List.of("node1.yml: tags.failover_priority: contradicts nofailover: true; nofailover wins"),
        c.warnings());

    SynodConfig zero = load(minimalWith("tags:\n  failover_priority: 0\n  sync_priority: 5\n"));
    assertTrue(zero.tags().nofailover(), "priority 0 behaves like nofailover");
    assertEquals(5, zero.tags().syncPriority());
    assertFalse(zero.tags().nosync());

    assertEquals(
        List.of(
            "node1.yml: tags.failover_priority: -1 is negative",
            "node1.yml: tags.replicatefrom: expected a string, got a list"),
        problems(minimalWith("tags:\n  failover_priority: -1\n  replicatefrom: [a]\n")));
  }

  @Test
  void logLevel() {
    assertEquals("WARN", load(minimalWith("log:\n  level: WARNING\n")).log().slf4jLevel());
    assertEquals(
        List.of(
            "node1.yml: log.level: expected one of trace, debug, info, warn, warning, error, fatal, "
                + "critical, got \"loud\""),
        problems(minimalWith("log:\n  level: loud\n")));
  }

  @Test
  void secretsStayOutOfToString() {
    SynodConfig c =
        load(
            minimalWith("restapi:\n  authentication: {username: u, password: hunter2}\n")
                .replace(
                    "data_dir: /tmp/pg",
                    "data_dir: /tmp/pg\n  authentication:\n    superuser:\n"
                        + "      password: hunter3"));
    String all = c + " " + c.restapi() + " " + c.postgresql() + " " + c.postgresql().superuser();
    assertFalse(all.contains("hunter2"), all);
    assertFalse(all.contains("hunter3"), all);
    assertEquals("hunter3", c.postgresql().superuser().password());
  }
}
