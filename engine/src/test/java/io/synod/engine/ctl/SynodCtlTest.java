package io.synod.engine.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.Credentials;
import io.synod.config.RestApiConfig;
import io.synod.config.VerifyClient;
import io.synod.engine.api.ApiHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synodctl's verbs against a REST API served over HTTP with the store and HA loop faked (no
 * PostgreSQL).
 */
class SynodCtlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private ApiHarness h;
  @TempDir Path tmp;

  /** One run: exit code, stdout, stderr. */
  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /**
   * node2's API (a replica) serving a three-member cluster led by node1; every member's api_url
   * points at it.
   */
  private ApiHarness serve(RestApiConfig restapi) {
    h = new ApiHarness("node2", Map.of(), restapi, Duration.ofSeconds(5)).threeNodes();
    h.serve();
    h.store.members.values().forEach(m -> m.put("api_url", h.baseUrl() + "/patroni"));
    h.asReplica(50 * ApiHarness.MB);
    return h;
  }

  private Run ctl(String stdin, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SynodCtl.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)),
            env);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run ctl(String... args) {
    List<String> all = new ArrayList<>(List.of("--api", h.baseUrl()));
    all.addAll(List.of(args));
    return ctl(null, Map.of(), all.toArray(new String[0]));
  }

  private Run ctlIn(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("--api", h.baseUrl()));
    all.addAll(List.of(args));
    return ctl(stdin, Map.of(), all.toArray(new String[0]));
  }

  /**
   * Lets the fake cluster react to a failover key as the HA loops would: the candidate (or node3)
   * takes over.
   */
  private void electCandidates() {
    h.store.onFailover =
        s ->
            new Thread(
                    () -> {
                      ApiHarness.sleep(200);
                      synchronized (s) {
                        if (s.failover != null && s.failover.scheduledAt() == null) {
                          s.leader =
                              s.failover.candidate() == null ? "node3" : s.failover.candidate();
                          s.failover = null;
                        }
                      }
                    })
                .start();
  }

  // ------------------------------------------------------------------------------- list and
  // friends

  @Test
  void listPrintsPatronictlsTable() {
    serve(null);
    Run r = ctl("list");
    assertEquals(0, r.code(), r.toString());
    String[] lines = r.out().split("\n");
    assertTrue(lines[0].startsWith("+ Cluster: test (7000000000000000001) "), r.out());
    assertTrue(
        lines[1].matches("\\| Member \\| Host +\\| Role +\\| State +\\| TL \\| Lag in MB \\|"),
        lines[1]);
    assertTrue(
        r.out().contains("| node1  | 127.0.0.1:5432 | Leader  | running   |  1 |           |"),
        r.out());
    assertTrue(
        r.out().contains("| node3  | 127.0.0.1:5434 | Replica | streaming |  1 |         1 |"),
        r.out());
    assertEquals(lines[0].length(), lines[2].length(), r.out());
  }

  /** node3 as a witness: its key has no conn_url, WAL or timeline. */
  private void node3IsAWitness() {
    Map<String, Object> w = new HashMap<>();
    w.put("api_url", h.baseUrl() + "/patroni");
    w.put("state", "running");
    w.put("role", "witness");
    h.store.members.put("node3", w);
  }

  @Test
  void listShowsAWitnessWithoutTimelineOrLag() throws Exception {
    serve(null);
    node3IsAWitness();
    Run r = ctl("list");
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.out()
            .matches(
                "(?s).*\\| node3 +\\| 127\\.0\\.0\\.1 +\\| Witness \\| running +\\| +\\| +\\|\n.*"),
        r.out());
    JsonNode json = JSON.readTree(ctl("list", "-f", "json").out());
    assertEquals("Witness", json.get(2).path("Role").asText());
    assertEquals("", json.get(2).path("TL").asText());
    assertEquals("", json.get(2).path("Lag in MB").asText());
  }

  @Test
  void aWitnessHasNoDsnAndIsNeverQueried() {
    serve(null);
    node3IsAWitness();
    Run named = ctl("dsn", "-m", "node3");
    assertEquals(1, named.code(), named.toString());
    assertTrue(
        (named.out() + named.err())
            .contains("node3 is a witness (a Raft voter without a database)"),
        named.toString());
    assertEquals("host=127.0.0.1 port=5433\n", ctl("dsn", "-r", "replica").out());
    Run q = ctl("query", "-m", "node3", "-c", "SELECT 1");
    assertTrue(
        (q.out() + q.err()).contains("node3 is a witness (a Raft voter without a database)"),
        q.toString());
  }

  @Test
  void aWitnessIsNoSwitchoverCandidate() {
    serve(null);
    node3IsAWitness();
    Run r = ctl("switchover", "--leader", "node1", "--candidate", "node3", "--force");
    assertEquals(1, r.code(), r.toString());
    assertTrue(
        (r.out() + r.err())
            .contains(
                "Member node3 is a witness (a Raft voter without a database) and can never be the"
                    + " leader"),
        r.toString());
    Run asked = ctlIn("\n", "switchover", "--leader", "node1");
    assertTrue(asked.out().contains("Candidate [node2]"), asked.toString());
    assertNull(h.store.failover, "nothing written");
  }

  @Test
  void listFormatsAndServiceInfo() throws Exception {
    serve(null);
    h.store.config.put("pause", true);
    JsonNode json = JSON.readTree(ctl("list", "-f", "json").out());
    assertEquals(3, json.size());
    assertEquals("node1", json.get(0).path("Member").asText());
    assertEquals("Leader", json.get(0).path("Role").asText());
    assertEquals(1, json.get(2).path("Lag in MB").asInt());
    assertEquals("test", json.get(0).path("Cluster").asText());
    Run tsv = ctl("list", "-f", "tsv");
    assertTrue(
        tsv.out().startsWith("Cluster\tMember\tHost\tRole\tState\tTL\tLag in MB\n"), tsv.out());
    assertTrue(ctl("list", "-f", "yaml").out().contains("Member: node2"));
    assertTrue(ctl("list").out().contains(" Maintenance mode: on"));
    Run ext = ctl("list", "-e");
    assertTrue(ext.out().contains("Pending restart") && ext.out().contains("Tags"), ext.out());
    assertEquals(2, ctl("list", "-f", "xml").code());
    Run topo = ctl("topology");
    assertTrue(
        topo.out().contains("| node1   |") && topo.out().contains("| + node2 |"), topo.out());
    assertTrue(topo.out().indexOf("node1") < topo.out().indexOf("+ node2"), topo.out());
  }

  @Test
  void wrongClusterNameAndUnreachableNodesHaveTheirOwnExitCodes() throws Exception {
    serve(null);
    Run wrong = ctl("list", "batman");
    assertEquals(2, wrong.code(), wrong.toString());
    assertTrue(wrong.err().contains("serve cluster test, not batman"), wrong.err());
    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    Run down = ctl(null, Map.of(), "--api", "127.0.0.1:" + free, "list");
    assertEquals(3, down.code(), down.toString());
    assertTrue(down.err().contains("127.0.0.1:" + free + ": connection refused"), down.err());
    // the first address is down, the second answers
    Run second = ctl(null, Map.of(), "--api", "127.0.0.1:" + free + "," + h.baseUrl(), "list");
    assertEquals(0, second.code(), second.toString());
  }

  @Test
  void nodeAddressComesFromTheConfigFileOrTheEnvironment() throws Exception {
    serve(null);
    Path yml = tmp.resolve("node.yml");
    Files.writeString(
        yml,
        "scope: test\nname: node2\nrestapi:\n  listen: 0.0.0.0:"
            + h.baseUrl().replaceAll(".*:", "")
            + "\n  connect_address: "
            + h.baseUrl().replace("http://", "")
            + "\n");
    assertEquals(0, ctl(null, Map.of(), "-c", yml.toString(), "list").code());
    assertEquals(0, ctl(null, Map.of("PATRONICTL_CONFIG_FILE", yml.toString()), "list").code());
    Run missing = ctl(null, Map.of(), "-c", tmp.resolve("nope.yml").toString(), "list");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("not existing or no read rights"), missing.err());
    Path bad = tmp.resolve("bad.yml");
    Files.writeString(bad, "scope: [unclosed\n");
    assertEquals(2, ctl(null, Map.of(), "-c", bad.toString(), "list").code());
  }

  @Test
  void dcsUrlNamesAnyNodeByItsRestOrRaftAddress() throws Exception {
    serve(null);
    // a REST address, no config file
    Run rest = ctl(null, Map.of(), "-d", h.baseUrl(), "list");
    assertEquals(0, rest.code(), rest.toString());
    assertTrue(rest.out().contains("node1"), rest.out());
    assertEquals(
        0, ctl(null, Map.of(), "--dcs-url", h.baseUrl().replace("http://", ""), "list").code());
    // a Raft address: found through the REST API on that host (the config file's restapi port)
    Path yml = tmp.resolve("ctl.yml");
    Files.writeString(
        yml, "restapi:\n  connect_address: 127.0.0.1:" + h.baseUrl().replaceAll(".*:", "") + "\n");
    Run raft = ctl(null, Map.of(), "-c", yml.toString(), "-d", "raft://127.0.0.1:8302", "list");
    assertEquals(0, raft.code(), raft.toString());
    assertTrue(raft.out().contains("node3"), raft.out());
    // a Raft address of no cluster the REST APIs serve
    Run other = ctl(null, Map.of(), "-c", yml.toString(), "-d", "raft://127.0.0.1:9999", "list");
    assertEquals(3, other.code(), other.toString());
    assertTrue(
        other.err().contains("no REST API found for the Raft peer 127.0.0.1:9999"), other.err());
    assertTrue(other.err().contains("serves another Raft group"), other.err());
    // Patroni's etcd URL: Synod's store is not in etcd
    Run etcd = ctl(null, Map.of(), "-d", "etcd3://127.0.0.1:2379", "list");
    assertEquals(2, etcd.code(), etcd.toString());
    assertTrue(etcd.err().contains("is at most a mirror of Synod's store"), etcd.err());
  }

  @Test
  void patronictlsOwnConfigFileIsReadWhenNoneIsGiven() throws Exception {
    serve(null);
    Path home = tmp.resolve("home");
    Path file = home.resolve(".config/patroni/patronictl.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file, "restapi:\n  connect_address: 127.0.0.1:" + h.baseUrl().replaceAll(".*:", "") + "\n");
    Run r = ctl(null, Map.of("HOME", home.toString()), "list");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("node1"), r.out());
    Path xdg = tmp.resolve("xdg");
    Files.createDirectories(xdg.resolve("patroni"));
    Files.copy(file, xdg.resolve("patroni/patronictl.yaml"));
    Run x =
        ctl(
            null,
            Map.of("HOME", tmp.resolve("nohome").toString(), "XDG_CONFIG_HOME", xdg.toString()),
            "list");
    assertEquals(0, x.code(), x.toString());
    // without it, the default node address 127.0.0.1:8008 is asked (nothing listens in this test)
    Run none = ctl(null, Map.of("HOME", tmp.resolve("nohome").toString()), "list");
    assertTrue(none.err().contains("127.0.0.1:8008"), none.toString());
  }

  @Test
  void queryNeedsSqlAndOneTarget() {
    serve(null);
    assertEquals(2, ctl("query").code());
    assertTrue(ctl("query").err().contains("You need to specify either --command or --file"));
    Run both = ctl("query", "-c", "SELECT 1", "-f", "x.sql");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("mutually exclusive"), both.err());
    assertEquals(2, ctl("query", "-c", "SELECT 1", "-r", "replica", "-m", "node2").code());
    assertEquals(2, ctl("query", "-c", "SELECT 1", "-r", "boss").code());
  }

  @Test
  void historyShowConfigVersionDsn() throws Exception {
    serve(null);
    h.store.history.add(
        List.of(1, 50331808, "no recovery target specified", "2030-01-01T00:00:00+00:00", "node2"));
    Run hist = ctl("history");
    assertTrue(hist.out().contains("| TL |") && hist.out().contains("node2"), hist.out());
    JsonNode hj = JSON.readTree(ctl("history", "-f", "json").out());
    assertEquals("node2", hj.get(0).path("New Leader").asText());
    Run cfg = ctl("show-config");
    assertTrue(
        cfg.out().contains("ttl: 1.3\n") && cfg.out().contains("loop_wait: 0.5\n"), cfg.out());
    Run ver = ctl("version", "test");
    assertTrue(ver.out().startsWith("synodctl version 0.1.0\n"), ver.out());
    assertTrue(ver.out().contains("node1: Synod synod-0.1.0 PostgreSQL 15.13"), ver.out());
    assertEquals("host=127.0.0.1 port=5432\n", ctl("dsn").out());
    assertEquals("host=127.0.0.1 port=5434\n", ctl("dsn", "-m", "node3").out());
    assertEquals("host=127.0.0.1 port=5433\n", ctl("dsn", "-r", "replica").out());
  }

  // ------------------------------------------------------------------------------- switchover /
  // failover

  @Test
  void switchoverWithForce() {
    serve(null);
    electCandidates();
    Run r = ctl("switchover", "--leader", "node1", "--candidate", "node3", "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Successfully switched over to \"node3\""), r.out());
    assertEquals("node3", h.store.leader);
    assertTrue(r.out().contains("| node3  | 127.0.0.1:5434 | Leader "), r.out());
  }

  @Test
  void switchoverAsksWhatItWasNotTold() {
    serve(null);
    electCandidates();
    Run r = ctlIn("\nnode2\nnow\ny\n", "switchover");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Primary [node1]: "), r.out());
    assertTrue(r.out().contains("Candidate [node2, node3] []: "), r.out());
    assertTrue(
        r.out()
            .contains(
                "Are you sure you want to switchover cluster test, demoting current leader node1? [y/N]: "),
        r.out());
    assertEquals("node2", h.store.leader);
  }

  @Test
  void switchoverWithoutATerminalOrConfirmationAborts() {
    serve(null);
    Run noInput = ctl("switchover", "--candidate", "node2");
    assertEquals(4, noInput.code(), noInput.toString());
    assertTrue(noInput.err().contains("--force"), noInput.err());
    Run no =
        ctlIn(
            "n\n", "switchover", "--leader", "node1", "--candidate", "node2", "--scheduled", "now");
    assertEquals(4, no.code(), no.toString());
    assertTrue(no.err().contains("Aborting switchover"), no.err());
    assertNull(h.store.failover);
    assertEquals("node1", h.store.leader);
  }

  @Test
  void switchoverAndFailoverRefusals() {
    serve(null);
    Run notLeader = ctl("switchover", "--leader", "node2", "--force");
    assertEquals(1, notLeader.code());
    assertTrue(
        notLeader.err().contains("Member node2 is not the leader of cluster test"),
        notLeader.err());
    Run unknown = ctl("switchover", "--candidate", "node9", "--force");
    assertEquals(1, unknown.code());
    assertTrue(
        unknown.err().contains("Member node9 does not exist in cluster test"), unknown.err());
    Run noCandidate = ctl("failover", "--force");
    assertEquals(1, noCandidate.code());
    assertTrue(
        noCandidate.err().contains("Failover could be performed only to a specific candidate"),
        noCandidate.err());
    h.store.members.get("node2").put("state", "stopped");
    Run refused = ctl("switchover", "--candidate", "node2", "--force");
    assertEquals(1, refused.code(), refused.toString());
    assertTrue(
        refused
            .out()
            .contains(
                "Switchover failed, details: 412, switchover is not possible: no good candidates"),
        refused.out());
  }

  @Test
  void scheduledSwitchoverAndFlush() {
    serve(null);
    Run r =
        ctl(
            "switchover",
            "--candidate",
            "node2",
            "--scheduled",
            "2099-01-01T12:00+00:00",
            "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Switchover scheduled"), r.out());
    assertTrue(
        ctl("list").out().contains(" Switchover scheduled at: 2099-01-01T12:00Z"),
        ctl("list").out());
    Run flush = ctl("flush", "test", "switchover", "--force");
    assertEquals(0, flush.code(), flush.toString());
    assertNull(h.store.failover);
  }

  @Test
  void failoverToACandidate() {
    serve(null);
    electCandidates();
    Run r = ctl("failover", "--candidate", "node2", "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("Successfully failed over to \"node2\""), r.out());
  }

  // ------------------------------------------------------------------------------- restart /
  // reload / reinit

  @Test
  void restartReloadReinit() {
    serve(null);
    Run restart = ctl("restart", "test", "node2", "--force");
    assertEquals(0, restart.code(), restart.toString());
    assertEquals("Success: restart on member node2\n", restart.out());
    h.restartOutcome =
        new io.synod.engine.ha.ManualRequests.Outcome(
            false, "restart conditions are not satisfied");
    Run failed = ctl("restart", "node2", "--force");
    assertEquals(1, failed.code(), failed.toString());
    Run sched = ctl("restart", "node2", "--force", "--scheduled", "2099-01-01T12:00+00:00");
    assertTrue(sched.out().contains("Success: restart scheduled on member node2"), sched.out());
    Run again = ctl("restart", "node2", "--force", "--scheduled", "2099-01-01T12:00+00:00");
    assertTrue(
        again.out().contains("Failed: another restart is already scheduled on member node2"),
        again.out());
    assertEquals(1, again.code());
    assertTrue(
        ctl("flush", "node2", "restart", "--force")
            .out()
            .contains("Success: flush scheduled restart for member node2"));
    Run reload = ctl("reload", "node2", "--force");
    assertEquals(0, reload.code(), reload.toString());
    assertTrue(reload.out().startsWith("Reload request received for member node2"), reload.out());
    Run reinit = ctl("reinit", "test", "node2", "--force", "--from-leader");
    assertEquals(0, reinit.code(), reinit.toString());
    assertEquals("Success: reinitialize for member node2\n", reinit.out());
    assertTrue(h.calls.contains("reinitialize from_leader=true"), h.calls.toString());
    Run notMember = ctl("reinit", "node9", "--force");
    assertEquals(1, notMember.code());
    assertTrue(notMember.err().contains("node9 is not a member of cluster test"), notMember.err());
    Run noName = ctl("reinit", "--force");
    assertEquals(2, noName.code(), noName.toString());
  }

  @Test
  void restartAsksForConfirmation() {
    serve(null);
    Run r = ctlIn("now\ny\n\n", "restart", "node2");
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.out().contains("Are you sure you want to restart members node2? [y/N]: "), r.out());
    assertTrue(r.out().contains("Success: restart on member node2"), r.out());
    Run no = ctlIn("now\nn\n", "restart", "node2");
    assertEquals(4, no.code(), no.toString());
  }

  // ------------------------------------------------------------------------------- config

  @Test
  void pauseAndResume() {
    serve(null);
    Run p = ctl("pause");
    assertEquals(0, p.code(), p.toString());
    assertEquals("Success: cluster management is paused\n", p.out());
    assertEquals(Boolean.TRUE, h.store.config.get("pause"));
    Run again = ctl("pause");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("Cluster is already paused"), again.err());
    h.publisher = () -> h.status(ApiHarness.replicaPg(50 * ApiHarness.MB, true), false, "replica");
    Run r = ctl("resume", "--wait");
    assertEquals(0, r.code(), r.toString());
    assertFalse(h.store.config.containsKey("pause"));
  }

  @Test
  void editConfigWithSetAndPg() {
    serve(null);
    Run r =
        ctl(
            "edit-config",
            "-s",
            "loop_wait=0.4",
            "-p",
            "work_mem=8MB",
            "-p",
            "auto_explain.log_min_duration=100",
            "--force");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("-loop_wait: 0.5\n+loop_wait: 0.4\n"), r.out());
    assertTrue(r.out().endsWith("Configuration changed\n"), r.out());
    assertEquals(0.4, h.store.config.get("loop_wait"));
    Map<?, ?> params = (Map<?, ?>) ((Map<?, ?>) h.store.config.get("postgresql")).get("parameters");
    assertEquals("8MB", params.get("work_mem"));
    assertEquals(100, params.get("auto_explain.log_min_duration"));
    Run same = ctl("edit-config", "-s", "loop_wait=0.4", "--force");
    assertEquals("Not changed\n", same.out());
    Run remove = ctl("edit-config", "-p", "work_mem=null", "-q", "--force");
    assertEquals("Configuration changed\n", remove.out());
    assertFalse(
        ((Map<?, ?>) ((Map<?, ?>) h.store.config.get("postgresql")).get("parameters"))
            .containsKey("work_mem"));
    Run invalid = ctl("edit-config", "-s", "ttl=0", "--force", "-q");
    assertEquals(1, invalid.code(), invalid.toString());
    assertTrue(invalid.err().contains("ttl"), invalid.err());
    Run noEq = ctl("edit-config", "-s", "ttl", "--force");
    assertEquals(2, noEq.code());
  }

  @Test
  void editConfigDetectsConcurrentChanges() {
    serve(null);
    h.store.failCas = true;
    Run r = ctl("edit-config", "-s", "loop_wait=0.4", "--force", "-q");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("Config modification aborted due to concurrent changes"), r.err());
  }

  @Test
  void editConfigInAnEditorAndFromAFile() throws Exception {
    serve(null);
    Path editor = tmp.resolve("editor.sh");
    Files.writeString(editor, "#!/bin/sh\nsed -i 's/^ttl: 1.3$/ttl: 3/' \"$1\"\n");
    editor.toFile().setExecutable(true);
    Map<String, String> env = new HashMap<>();
    env.put("EDITOR", editor.toString());
    Run r = ctl("y\n", env, "--api", h.baseUrl(), "edit-config");
    assertEquals(0, r.code(), r.toString());
    assertTrue(
        r.out().contains("-ttl: 1.3\n+ttl: 3\n")
            && r.out().contains("Apply these changes? [y/N]: "),
        r.out());
    assertEquals(3, h.store.config.get("ttl"));
    Path patch = tmp.resolve("patch.yml");
    Files.writeString(
        patch,
        "maximum_lag_on_failover: 2097152\npostgresql:\n  parameters:\n    max_wal_senders: 12\n");
    Run a = ctl("edit-config", "--apply", patch.toString(), "--force", "-q");
    assertEquals(0, a.code(), a.toString());
    assertEquals(2097152, h.store.config.get("maximum_lag_on_failover"));
    assertEquals(3, h.store.config.get("ttl"));
    Run rep = ctl("edit-config", "--replace", patch.toString(), "--force", "-q");
    assertEquals(0, rep.code(), rep.toString());
    assertFalse(h.store.config.containsKey("ttl"));
  }

  // ------------------------------------------------------------------------------- members,
  // remove, auth

  @Test
  void raftMembers() throws Exception {
    serve(null);
    Run list = ctl("members", "list");
    assertEquals(0, list.code(), list.toString());
    assertTrue(
        list.out()
            .matches("(?s).*\\| node1 +\\| 127\\.0\\.0\\.1:8300 \\| leader +\\| +7 \\| +118 \\|.*"),
        list.out());
    Run add = ctl("members", "add", "node4", "127.0.0.1:8303", "--force");
    assertEquals(0, add.code(), add.toString());
    assertTrue(h.raft.peers.contains("127.0.0.1:8303"));
    Run remove = ctl("members", "remove", "127.0.0.1:8303", "--force");
    assertEquals(0, remove.code(), remove.toString());
    assertFalse(h.raft.peers.contains("127.0.0.1:8303"));
    Run byName = ctl("members", "remove", "node3", "--force");
    assertEquals(0, byName.code(), byName.toString());
    assertFalse(
        h.raft.peers.contains("127.0.0.1:8300"),
        "node3's /raft answers self=127.0.0.1:8300 in this fake");
    Run nobody = ctl("members", "remove", "ghost", "--force");
    assertEquals(1, nobody.code());
    Run askNo = ctlIn("n\n", "members", "add", "node5", "127.0.0.1:8305");
    assertEquals(4, askNo.code(), askNo.toString());
    assertFalse(h.raft.peers.contains("127.0.0.1:8305"));
  }

  @Test
  void removeTheCluster() {
    serve(null);
    Run wrong = ctlIn("other\n", "remove", "test");
    assertEquals(1, wrong.code(), wrong.toString());
    assertFalse(h.store.deleted);
    Run ok = ctlIn("test\nYes I am aware\nnode1\n", "remove", "test");
    assertEquals(0, ok.code(), ok.toString());
    assertTrue(h.store.deleted);
  }

  @Test
  void basicAuthFromTheCtlSection() throws Exception {
    serve(
        new RestApiConfig(
            "127.0.0.1:8008",
            "127.0.0.1:8008",
            new Credentials("admin", "pw"),
            null,
            null,
            null,
            null,
            VerifyClient.NONE,
            List.of(),
            false,
            Map.of()));
    Run denied = ctl("pause");
    assertEquals(1, denied.code(), denied.toString());
    assertTrue(denied.out().contains("status code=401, (no auth header received)"), denied.out());
    Path yml = tmp.resolve("ctl.yml");
    Files.writeString(
        yml,
        "scope: test\nrestapi:\n  connect_address: "
            + h.baseUrl().replace("http://", "")
            + "\nctl:\n  authentication:\n    username: admin\n    password: pw\n");
    Run ok = ctl(null, Map.of(), "-c", yml.toString(), "pause");
    assertEquals(0, ok.code(), ok.toString());
  }

  // ------------------------------------------------------------------------------- helpers

  @Test
  void diffAndTable() {
    List<String> d = Diff.unified("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 5\nc: 3\nd: 4\n");
    assertEquals(
        List.of("--- ", "+++ ", "@@ -1,3 +1,4 @@", " a: 1", "-b: 2", "+b: 5", " c: 3", "+d: 4"), d);
    assertEquals(List.of(), Diff.unified("x\n", "x\n"));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Table.pretty(
        new PrintStream(b, true, StandardCharsets.UTF_8),
        List.of("A", "Num"),
        List.of(List.of("x", 1), List.of("long value", 22)),
        " T ",
        java.util.Set.of("Num"));
    assertEquals(
        String.join(
            "\n",
            "+ T ---------+-----+",
            "| A          | Num |",
            "+------------+-----+",
            "| x          |   1 |",
            "| long value |  22 |",
            "+------------+-----+",
            ""),
        b.toString(StandardCharsets.UTF_8));
  }
}
