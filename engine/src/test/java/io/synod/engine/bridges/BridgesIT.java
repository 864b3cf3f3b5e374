package io.synod.engine.bridges;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.synod.bridges.testing.EtcdServer;
import io.synod.bridges.testing.ZooKeeperServer;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real three-node Synod cluster (three `synod run` JVMs, PostgreSQL 15 each) with both an {@code
 * etcd3} and a {@code zookeeper} section in every node's YAML, mirrored into Debian's real etcd and
 * ZooKeeper. Each step asserts the same thing of both targets.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgesIT {
  static final String SCOPE = "it-bridges";
  static final String BASE = "/service/" + SCOPE + "/";
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(30);
  static final Duration MIRROR = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();

  static EtcdServer etcd;
  static ZooKeeperServer zk;
  static ClusterFixture cluster;
  static Client etcdClient;
  static CuratorFramework zkClient;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdServer.started();
    zk = ZooKeeperServer.started();
    cluster = new ClusterFixture(SCOPE, 3, "", List.of());
    String bridges =
        "etcd3:\n  hosts: "
            + etcd.hostPort()
            + "\nzookeeper:\n  hosts:\n    - "
            + zk.hostPort()
            + "\n";
    for (NodeProc n : cluster.nodes()) {
      Files.writeString(n.yml, bridges, StandardOpenOption.APPEND);
    }
    cluster.startAll();
    etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
    zkClient =
        CuratorFrameworkFactory.newClient(zk.hostPort(), 30_000, 5_000, new RetryNTimes(3, 500));
    zkClient.start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (zkClient != null) {
      zkClient.close();
    }
    if (etcdClient != null) {
      etcdClient.close();
    }
    if (zk != null) {
      zk.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  // --- reading the targets -----------------------------------------------------------------

  /** A key as a target holds it: value, and whether a lease/ephemeral owner holds it. */
  record Held(String value, boolean ttl) {}

  static Map<String, Held> etcdKeys() {
    Map<String, Held> out = new TreeMap<>();
    try {
      for (KeyValue kv :
          etcdClient
              .getKVClient()
              .get(
                  ByteSequence.from(BASE, StandardCharsets.UTF_8),
                  GetOption.builder().isPrefix(true).build())
              .get(5, TimeUnit.SECONDS)
              .getKvs()) {
        out.put(
            kv.getKey().toString(StandardCharsets.UTF_8).substring(BASE.length()),
            new Held(kv.getValue().toString(StandardCharsets.UTF_8), kv.getLease() != 0));
      }
    } catch (Exception e) {
      return null;
    }
    return out;
  }

  static Map<String, Held> zkKeys() {
    Map<String, Held> out = new TreeMap<>();
    try {
      walk(BASE.substring(0, BASE.length() - 1), "", out);
    } catch (Exception e) {
      return null;
    }
    return out;
  }

  private static void walk(String path, String rel, Map<String, Held> out) throws Exception {
    List<String> kids;
    try {
      kids = zkClient.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return;
    }
    if (kids.isEmpty() && !rel.isEmpty()) {
      Stat st = new Stat();
      try {
        byte[] d = zkClient.getData().storingStatIn(st).forPath(path);
        out.put(
            rel,
            new Held(
                d == null ? "" : new String(d, StandardCharsets.UTF_8),
                st.getEphemeralOwner() != 0));
      } catch (KeeperException.NoNodeException e) {
        // gone meanwhile
      }
      return;
    }
    for (String k : kids) {
      walk(path + "/" + k, rel.isEmpty() ? k : rel + "/" + k, out);
    }
  }

  interface Target {
    Map<String, Held> keys();
  }

  static final Map<String, Target> TARGETS =
      Map.of("etcd", BridgesIT::etcdKeys, "zookeeper", BridgesIT::zkKeys);

  static String leaderIn(Target t) {
    Map<String, Held> k = t.keys();
    return k == null || k.get("leader") == null ? null : k.get("leader").value();
  }

  static List<String> membersIn(Target t) {
    Map<String, Held> k = t.keys();
    return k == null
        ? List.of()
        : k.keySet().stream()
            .filter(s -> s.startsWith("members/"))
            .map(s -> s.substring("members/".length()))
            .sorted()
            .toList();
  }

  static void print(String label) {
    for (Map.Entry<String, Target> t : new TreeMap<>(TARGETS).entrySet()) {
      StringBuilder b =
          new StringBuilder("LISTING " + label + " in " + t.getKey() + " under " + BASE + ":\n");
      Map<String, Held> keys = t.getValue().keys();
      if (keys != null) {
        keys.forEach(
            (k, v) ->
                b.append("  ")
                    .append(k)
                    .append(v.ttl() ? "  [ttl]" : "")
                    .append(" = ")
                    .append(
                        v.value().length() > 160 ? v.value().substring(0, 157) + "..." : v.value())
                    .append('\n'));
      }
      System.out.print(b);
    }
  }

  /** Which node's bridge writes the mirror now, from the nodes' logs (null when none says so). */
  static String writer() {
    String found = null;
    for (NodeProc n : cluster.nodes()) {
      if (!n.alive()) {
        continue;
      }
      try {
        boolean writing = false;
        for (String line : Files.readAllLines(n.log())) {
          if (line.contains("bridge etcd3: this node is the Raft leader")) {
            writing = true;
          } else if (line.contains("bridge etcd3: no longer the Raft leader")
              || line.contains("bridge etcd3: stopped")
              || line.contains("bridge etcd3: started")) {
            writing = false;
          }
        }
        if (writing) {
          found = n.name;
        }
      } catch (IOException e) {
        // not there yet
      }
    }
    return found;
  }

  static void awaitFullCluster() {
    Await.until(
        FORM,
        () ->
            "1 leader + 2 streaming replicas; leader="
                + cluster.leader()
                + " streaming="
                + cluster.streamingReplicas(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
  }

  static void awaitMirrorShows(String leader, List<String> members) {
    for (Map.Entry<String, Target> t : TARGETS.entrySet()) {
      Await.until(
          MIRROR,
          () ->
              t.getKey()
                  + " to show leader "
                  + leader
                  + " and members "
                  + members
                  + "; it has leader="
                  + leaderIn(t.getValue())
                  + " members="
                  + membersIn(t.getValue()),
          () -> leader.equals(leaderIn(t.getValue())) && membersIn(t.getValue()).equals(members));
    }
  }

  // --- the scenarios -----------------------------------------------------------------------

  @Test
  @Order(1)
  void theRunningClusterAppearsInEtcdAndZooKeeperWithTheRightLeaderAndMembers() throws Exception {
    awaitFullCluster();
    String leader = cluster.leader();
    awaitMirrorShows(leader, List.of("node1", "node2", "node3"));
    for (Map.Entry<String, Target> t : TARGETS.entrySet()) {
      Await.until(
          MIRROR,
          t.getKey() + " to hold config, initialize, status and optime/leader",
          () -> {
            Map<String, Held> k = t.getValue().keys();
            return k != null
                && k.keySet()
                    .containsAll(List.of("config", "initialize", "status", "optime/leader"));
          });
      Map<String, Held> k = t.getValue().keys();
      assertTrue(k.get("leader").ttl(), t.getKey() + ": the leader key is TTL'd");
      for (String m : List.of("node1", "node2", "node3")) {
        Held h = k.get("members/" + m);
        assertTrue(h.ttl(), t.getKey() + ": member keys are TTL'd");
        JsonNode j = JSON.readTree(h.value());
        assertEquals(
            m.equals(leader) ? "primary" : "replica",
            j.path("role").asText(),
            t.getKey() + " " + m + ": " + j);
        assertTrue(j.path("conn_url").asText().startsWith("postgres://127.0.0.1:"), j.toString());
        assertTrue(j.path("api_url").asText().endsWith("/patroni"), j.toString());
      }
      assertFalse(k.get("config").ttl());
      assertTrue(
          k.get("initialize").value().matches("\\d+"), "initialize holds the system identifier");
      JsonNode status = JSON.readTree(k.get("status").value());
      assertTrue(
          status.path("optime").isIntegralNumber() && status.has("slots"), status.toString());
    }
    print("a running 3-node cluster (leader " + leader + ", mirror writer " + writer() + ")");
  }

  @Test
  @Order(3)
  void killingTheMirrorWritersNodeHandsTheMirrorToTheNewRaftLeader() throws Exception {
    awaitFullCluster();
    Await.until(MIRROR, "a node to say it writes the mirror", () -> writer() != null);
    NodeProc w = cluster.node(writer());
    boolean wasPrimary = w.name.equals(cluster.leader());
    w.killNode();
    Await.until(
        FAILOVER,
        () -> "another node to write the mirror (now " + writer() + ")",
        () -> writer() != null && !writer().equals(w.name));
    if (wasPrimary) {
      cluster.awaitWritableOtherThan(w.name, FAILOVER);
    }
    Await.until(
        FAILOVER,
        "a leader other than " + w.name,
        () -> cluster.leader() != null && !w.name.equals(cluster.leader()));
    String leader = cluster.leader();
    List<String> alive =
        cluster.nodes().stream().filter(NodeProc::alive).map(n -> n.name).sorted().toList();
    awaitMirrorShows(leader, alive);
    System.out.println(
        "MEASURED kill -9 of mirror writer "
            + w.name
            + (wasPrimary ? " (also the primary)" : " (a replica)")
            + ": "
            + writer()
            + " writes now; both targets show leader "
            + leader
            + " and members "
            + alive);
    w.start();
    Await.until(
        Duration.ofSeconds(90),
        w.name + " to stream again",
        () -> cluster.streamingReplicas().contains(w.name));
    awaitMirrorShows(cluster.leader(), List.of("node1", "node2", "node3"));
  }

  @Test
  @Order(2)
  void afterKillingThePrimaryTheTargetsShowTheNewLeader() throws Exception {
    awaitFullCluster();
    NodeProc old = cluster.node(cluster.leader());
    String writerBefore = writer();
    old.killNode();
    NodeProc next = cluster.awaitWritableOtherThan(old.name, FAILOVER);
    Await.until(
        FAILOVER, "the leader key to name " + next.name, () -> next.name.equals(cluster.leader()));
    long t0 = System.nanoTime();
    List<String> alive =
        cluster.nodes().stream().filter(NodeProc::alive).map(n -> n.name).sorted().toList();
    awaitMirrorShows(next.name, alive);
    System.out.println(
        "MEASURED kill -9 of primary "
            + old.name
            + " (mirror writer was "
            + writerBefore
            + ", now "
            + writer()
            + "): etcd and ZooKeeper showed leader "
            + next.name
            + " and members "
            + alive
            + " "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms after the REST API did");

    old.start();
    Await.until(
        Duration.ofSeconds(90),
        old.name + " to stream again",
        () -> cluster.streamingReplicas().contains(old.name));
    awaitMirrorShows(next.name, List.of("node1", "node2", "node3"));
  }

  @Test
  @Order(4)
  void aDcsOutageDoesNotChangeFailoverAndTheMirrorCatchesUpAfter() throws Exception {
    awaitFullCluster();
    NodeProc old = cluster.node(cluster.leader());
    long down = System.nanoTime();
    etcd.stop();
    zk.stop();
    NodeProc next;
    try {
      old.killNode();
      // exactly as without bridges: another node takes over within FailoverIT's bound
      next = cluster.awaitWritableOtherThan(old.name, FAILOVER);
      Await.until(
          FAILOVER,
          "the leader key to name " + next.name,
          () -> next.name.equals(cluster.leader()));
      System.out.println(
          "MEASURED failover with etcd and ZooKeeper down: "
              + next.name
              + " writable "
              + (System.nanoTime() - down) / 1_000_000
              + " ms after both were stopped and "
              + old.name
              + " killed");
      long left = Duration.ofSeconds(30).toMillis() - (System.nanoTime() - down) / 1_000_000;
      if (left > 0) {
        Thread.sleep(left); // the targets stay down ~30 s in all
      }
    } finally {
      etcd.start();
      zk.start();
    }
    long up = System.nanoTime();
    List<String> alive =
        cluster.nodes().stream().filter(NodeProc::alive).map(n -> n.name).sorted().toList();
    awaitMirrorShows(next.name, alive);
    System.out.println(
        "MEASURED mirror caught up "
            + (System.nanoTime() - up) / 1_000_000
            + " ms after etcd and ZooKeeper came back (leader "
            + next.name
            + ", members "
            + alive
            + ")");
    print("after the outage");
  }

  @Test
  @Order(5)
  void stoppingTheWholeClusterExpiresLeaderAndMemberKeysInTheTargets() throws Exception {
    for (NodeProc n : cluster.nodes()) {
      n.killNode();
    }
    for (Map.Entry<String, Target> t : TARGETS.entrySet()) {
      Await.until(
          MIRROR,
          () ->
              t.getKey()
                  + " to drop leader and members; has leader="
                  + leaderIn(t.getValue())
                  + " members="
                  + membersIn(t.getValue()),
          () -> {
            Map<String, Held> k = t.getValue().keys();
            return k != null && !k.containsKey("leader") && membersIn(t.getValue()).isEmpty();
          });
      assertTrue(
          t.getValue().keys().keySet().containsAll(List.of("config", "initialize", "status")),
          t.getKey() + ": persistent keys stay, as with Patroni");
    }
    print("after every node was killed");
  }
}
