package io.synod.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.store.transport.RaftTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node checks before it starts anything. */
class SynodNodeStartTest {
  static final String BASE =
      """
      scope: demo
      name: node1
      raft:
        data_dir: /tmp/never-created
        self_addr: 127.0.0.1:8300
      postgresql:
        data_dir: /tmp/pg
      """;

  static SynodConfig load(String yaml, Map<String, String> env) {
    return ConfigLoader.fromYaml(yaml, "node1.yml", env);
  }

  @Test
  void aRoleWithoutAPasswordStopsTheNodeBeforeAnyTrustLineIsWritten() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                SynodNode.requirePasswords(
                    load(BASE, Map.of("PATRONI_REPLICATION_PASSWORD", "r"))));
    assertEquals(
        "postgresql.authentication.superuser.password: required. Without a password"
            + " PostgreSQL would have to trust every TCP connection for that role from this host;"
            + " set one in the file or with PATRONI_SUPERUSER_PASSWORD /"
            + " PATRONI_REPLICATION_PASSWORD / PATRONI_REWIND_PASSWORD",
        e.getMessage());
    SynodNode.requirePasswords(
        load(BASE, Map.of("PATRONI_SUPERUSER_PASSWORD", "s", "PATRONI_REPLICATION_PASSWORD", "r")));
  }

  @Test
  void theRaftTransportFollowsTheConfig(@TempDir Path tmp) {
    assertEquals(
        RaftTransport.Mode.PLAIN,
        SynodNode.raftTransport(load(BASE, Map.of()).raft(), "demo", "127.0.0.1:8300").mode());
    Path raftDir = tmp.resolve("raft");
    SynodConfig withSecret =
        load(
            BASE.replace("/tmp/never-created", raftDir.toString()),
            Map.of("PATRONI_RAFT_PASSWORD", "0123456789abcdef0123456789"));
    assertEquals(
        RaftTransport.Mode.SECRET,
        SynodNode.raftTransport(withSecret.raft(), "demo", "127.0.0.1:8300").mode());
    assertTrue(
        Files.isRegularFile(raftDir.resolve("raft-ca.seed")),
        "the derived CA's seed is kept in raft.data_dir for the next start");
    SynodConfig badCert =
        load(
            BASE.replace(
                "raft:\n",
                "raft:\n  certfile: /nonexistent/n1.pem\n  cafile: /nonexistent/ca.pem\n"),
            Map.of());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> SynodNode.raftTransport(badCert.raft(), "demo", "127.0.0.1:8300"));
    assertEquals("raft.certfile /nonexistent/n1.pem: no such file", e.getMessage());
  }

  @Test
  void anOpenRestApiOnAReachableAddressIsWarnedAbout() {
    assertFalse(SynodNode.warnIfRestOpen(load(BASE, Map.of()).restapi()), "127.0.0.1 by default");
    String open = BASE + "restapi:\n  listen: 0.0.0.0:8008\n  connect_address: 10.0.0.1:8008\n";
    assertTrue(SynodNode.warnIfRestOpen(load(open, Map.of()).restapi()));
    assertFalse(
        SynodNode.warnIfRestOpen(
            load(open + "  authentication: {username: a, password: b}\n", Map.of()).restapi()));
    assertFalse(
        SynodNode.warnIfRestOpen(load(open + "  allowlist: [10.0.0.0/24]\n", Map.of()).restapi()));
  }

  @Test
  void requiredClientCertificatesWithoutACtlCertificateAreWarnedAbout() {
    String tls =
        BASE
            + "restapi:\n  certfile: /c.pem\n  keyfile: /k.pem\n  cafile: /ca.pem\n"
            + "  verify_client: required\n";
    assertTrue(SynodNode.warnIfProbeBlind(load(tls, Map.of())));
    assertFalse(
        SynodNode.warnIfProbeBlind(
            load(tls + "ctl:\n  certfile: /cc.pem\n  keyfile: /ck.pem\n", Map.of())));
    assertFalse(SynodNode.warnIfProbeBlind(load(BASE, Map.of())));
  }
}
