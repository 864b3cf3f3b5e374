package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.synod.bridges.testing.EtcdServer;
import io.synod.bridges.testing.LocalRaft;
import io.synod.bridges.testing.Pulse;
import io.synod.bridges.testing.Wait;
import io.synod.bridges.testing.ZooKeeperServer;
import io.synod.store.cluster.Keys;
import io.synod.store.cluster.RaftClusterStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * Three Raft peers (in this JVM), each with an etcd and a ZooKeeper bridge, as three Synod nodes
 * have: only the Raft leader's bridges write, and when that peer stops, the new leader's bridges
 * take the mirror over, re-binding the TTL'd keys to their own lease and session.
 */
class WriterTakeoverTest {
  static final Duration TTL = Duration.ofSeconds(2);
  static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void theNewRaftLeadersBridgesTakeTheMirrorOver() throws Exception {
    try (EtcdServer etcd = EtcdServer.started();
        ZooKeeperServer zk = ZooKeeperServer.started();
        LocalRaft raft = LocalRaft.start(3);
        Client etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
        CuratorFramework zkClient =
            CuratorFrameworkFactory.newClient(
                zk.hostPort(), 10_000, 5_000, new RetryNTimes(3, 200))) {
      zkClient.start();
      List<Mirror> bridges = new ArrayList<>();
      List<Pulse> pulses = new ArrayList<>();
      try {
        int first = raft.leaderIndex();
        RaftClusterStore cs = raft.cluster(first, "takeover");
        Keys keys = cs.keys();
        cs.initialize("7312345678901234567");
        // every "node" keeps its own member key alive through its own peer, as Synod nodes do
        for (int i = 0; i < 3; i++) {
          Pulse p = new Pulse(raft.cluster(i, "takeover"), TTL);
          pulses.add(p);
          p.member(
              "node" + (i + 1),
              Pulse.memberJson("node" + (i + 1), i == 0 ? "primary" : "replica", i + 1));
          if (i == 0) {
            p.leader("node1");
          }
        }
        for (int i = 0; i < 3; i++) {
          MirrorSource src = new RaftMirrorSource(raft.peer(i), raft.cluster(i, "takeover"));
          MirrorOptions o = MirrorOptions.defaults(TTL.toMillis(), "node" + (i + 1), false);
          bridges.add(
              new Mirror(
                  src,
                  new EtcdTarget(
                      new EtcdSettings(List.of(etcd.endpoint()), null, null, null, null, null),
                      keys,
                      o),
                  o));
          bridges.add(
              new Mirror(
                  src,
                  new ZooKeeperTarget(new ZooKeeperSettings(List.of(zk.hostPort())), keys, o),
                  o));
        }
        bridges.forEach(Mirror::start);

        Wait.until(
            WAIT,
            "node1..3 and leader node1 in both targets",
            () ->
                mirrored(etcdClient, zkClient, keys, "node1", List.of("node1", "node2", "node3")));
        for (int i = 0; i < 6; i++) {
          BridgeMetrics m = bridges.get(i).metrics();
          if (i / 2 == first) {
            assertTrue(m.writer() && m.writes() > 0, "the Raft leader's bridge writes: " + m);
          } else {
            assertFalse(m.writer(), m.toString());
            assertEquals(0, m.writes(), "followers never write: " + m);
          }
        }
        long leaseBefore = etcdLease(etcdClient, keys.key("leader"));
        long ownerBefore = zkOwner(zkClient, keys.key("leader"));

        // The leader peer goes away (its bridges keep running, as in a node whose Raft peer
        // stopped).
        pulses.get(first).close();
        raft.stop(first);
        Wait.until(
            WAIT,
            "a new Raft leader",
            () -> raft.leaderIndex() >= 0 && raft.leaderIndex() != first);
        int next = raft.leaderIndex();
        String gone = "node" + (first + 1);
        List<String> rest = new ArrayList<>(List.of("node1", "node2", "node3"));
        rest.remove(gone);
        // the store expires the stopped node's member key; the leader key moves to a live member
        String newLeader = rest.get(0);
        pulses.get(next).leader(newLeader);
        Wait.until(
            WAIT,
            () ->
                "leader "
                    + newLeader
                    + " and members "
                    + rest
                    + " in both targets, written by the new leader",
            () -> mirrored(etcdClient, zkClient, keys, newLeader, rest));
        assertTrue(
            bridges.get(2 * next).metrics().writer()
                && bridges.get(2 * next).metrics().writes() > 0);
        assertTrue(
            bridges.get(2 * next + 1).metrics().writer()
                && bridges.get(2 * next + 1).metrics().writes() > 0);
        for (String m : rest) {
          assertNotEquals(
              leaseBefore,
              etcdLease(etcdClient, keys.member(m)),
              m + " moved to the new writer's lease");
          assertNotEquals(
              ownerBefore,
              zkOwner(zkClient, keys.member(m)),
              m + " is an ephemeral of the new writer's session");
        }
      } finally {
        pulses.forEach(Pulse::close);
        bridges.forEach(Mirror::stop);
      }
    }
  }

  static boolean mirrored(
      Client etcd, CuratorFramework zk, Keys keys, String leader, List<String> members) {
    try {
      for (String target : List.of("etcd", "zk")) {
        String l =
            target.equals("etcd")
                ? etcdValue(etcd, keys.key("leader"))
                : zkValue(zk, keys.key("leader"));
        if (!leader.equals(l)) {
          return false;
        }
        for (String m : List.of("node1", "node2", "node3")) {
          String v =
              target.equals("etcd") ? etcdValue(etcd, keys.member(m)) : zkValue(zk, keys.member(m));
          if (members.contains(m) != (v != null)) {
            return false;
          }
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  static KeyValue etcdKv(Client c, String key) throws Exception {
    List<KeyValue> kvs =
        c.getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(5, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static String etcdValue(Client c, String key) throws Exception {
    KeyValue kv = etcdKv(c, key);
    return kv == null ? null : kv.getValue().toString(StandardCharsets.UTF_8);
  }

  static long etcdLease(Client c, String key) throws Exception {
    return etcdKv(c, key).getLease();
  }

  static String zkValue(CuratorFramework zk, String path) throws Exception {
    if (zk.checkExists().forPath(path) == null) {
      return null;
    }
    return new String(zk.getData().forPath(path), StandardCharsets.UTF_8);
  }

  static long zkOwner(CuratorFramework zk, String path) throws Exception {
    Stat st = zk.checkExists().forPath(path);
    return st == null ? 0 : st.getEphemeralOwner();
  }
}
