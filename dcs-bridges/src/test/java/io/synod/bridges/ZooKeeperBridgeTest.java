package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.bridges.testing.ZooKeeperServer;
import io.synod.store.cluster.Keys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bridge against Debian's real ZooKeeper 3.8 (the client is ZooKeeper 3.9 through Curator). */
class ZooKeeperBridgeTest extends TargetContract {
  static ZooKeeperServer zk;
  static CuratorFramework client;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zk = ZooKeeperServer.started();
    client = connect();
  }

  static CuratorFramework connect() throws InterruptedException {
    CuratorFramework c =
        CuratorFrameworkFactory.newClient(zk.hostPort(), 10_000, 5_000, new RetryNTimes(3, 200));
    c.start();
    c.blockUntilConnected();
    return c;
  }

  @AfterAll
  static void stopZooKeeper() {
    if (client != null) {
      client.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  static String base(Keys keys) {
    return keys.base().substring(0, keys.base().length() - 1);
  }

  /** Every leaf znode under the prefix: relative path to (data, ephemeral owner). */
  static Map<String, Map.Entry<String, Long>> nodes(Keys keys) throws Exception {
    Map<String, Map.Entry<String, Long>> out = new TreeMap<>();
    walk(base(keys), "", out);
    return out;
  }

  private static void walk(String path, String rel, Map<String, Map.Entry<String, Long>> out)
      throws Exception {
    List<String> kids;
    try {
      kids = client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return;
    }
    if (kids.isEmpty() && !rel.isEmpty()) {
      Stat st = new Stat();
      try {
        byte[] d = client.getData().storingStatIn(st).forPath(path);
        out.put(
            rel,
            Map.entry(
                d == null ? "" : new String(d, StandardCharsets.UTF_8), st.getEphemeralOwner()));
      } catch (KeeperException.NoNodeException e) {
        // gone meanwhile
      }
      return;
    }
    for (String k : kids) {
      walk(path + "/" + k, rel.isEmpty() ? k : rel + "/" + k, out);
    }
  }

  @Override
  Mirror bridge(Keys keys, MirrorSource source, MirrorOptions opts) {
    return new Mirror(
        source,
        new ZooKeeperTarget(new ZooKeeperSettings(List.of(zk.hostPort())), keys, opts),
        opts);
  }

  @Override
  Map<String, String> values(Keys keys) throws Exception {
    Map<String, String> out = new TreeMap<>();
    nodes(keys).forEach((k, v) -> out.put(k, v.getKey()));
    return out;
  }

  @Override
  Set<String> ttlKeys(Keys keys) throws Exception {
    Set<String> out = new TreeSet<>();
    nodes(keys)
        .forEach(
            (k, v) -> {
              if (v.getValue() != 0) {
                out.add(k);
              }
            });
    return out;
  }

  @Override
  void externalPut(Keys keys, String rel, String value) throws Exception {
    String path = keys.key(rel);
    byte[] data = value.getBytes(StandardCharsets.UTF_8);
    if (client.checkExists().forPath(path) == null) {
      client.create().creatingParentsIfNeeded().forPath(path, data);
    } else {
      client.setData().forPath(path, data);
    }
  }

  @Override
  void targetDown() {
    zk.stop();
  }

  @Override
  void targetUp() throws Exception {
    zk.start();
  }

  @Test
  void ttlKeysAreEphemeralNodesOfOneSession() throws Exception {
    Setup s = cluster(scope("session"));
    started(s, options(false));
    awaitMirror(s);
    Set<Long> owners = new TreeSet<>();
    nodes(s.keys())
        .forEach(
            (k, v) -> {
              if (v.getValue() != 0) {
                owners.add(v.getValue());
              }
            });
    assertEquals(
        1, owners.size(), "leader and members are ephemeral nodes of the writer's one session");
  }

  @Test
  void takesEphemeralNodesOverFromAPreviousWritersSession() throws Exception {
    Setup s = cluster(scope("takeover"));
    CuratorFramework previous = connect();
    long old;
    try {
      previous
          .create()
          .creatingParentsIfNeeded()
          .withMode(CreateMode.EPHEMERAL)
          .forPath(s.keys().key("leader"), "node1".getBytes(StandardCharsets.UTF_8));
      old = previous.getZookeeperClient().getZooKeeper().getSessionId();
      started(s, options(false));
      awaitMirror(s);
      Wait.until(
          WAIT,
          "the leader znode to change owner",
          () -> {
            try {
              return nodes(s.keys()).get("leader").getValue() != old;
            } catch (Exception e) {
              return false;
            }
          });
    } finally {
      previous.close(); // the previous writer's session ends
    }
    assertEquals(
        "node1", values(s.keys()).get("leader"), "closing the old session takes nothing with it");
    assertNotEquals(0L, (long) nodes(s.keys()).get("leader").getValue());
  }

  @Test
  void setAclsProtectEveryZnodeTheBridgeCreates() throws Exception {
    // Patroni's set_acls/auth_data: the writer authenticates as synod (digest), its znodes are
    // readable by anyone and writable by synod only.
    String digest = DigestAuthenticationProvider.generateDigest("synod:s3cret");
    Map<String, Object> zkSection = new java.util.LinkedHashMap<>();
    zkSection.put("hosts", List.of(zk.hostPort()));
    zkSection.put(
        "set_acls", Map.of("digest:" + digest, List.of("ALL"), "world:anyone", List.of("READ")));
    zkSection.put("auth_data", Map.of("digest", "synod:s3cret"));
    ZooKeeperSettings settings = BridgeConfig.parse(null, zkSection, null, null).zookeeper();
    assertEquals(2, settings.acls().size());
    assertFalse(settings.toString().contains("s3cret"), settings.toString());

    Setup s = cluster(scope("acls"));
    Mirror m =
        new Mirror(
            s.source(), new ZooKeeperTarget(settings, s.keys(), options(false)), options(false));
    open.add(m::stop);
    m.start();
    awaitMirror(s);
    for (String path : List.of(base(s.keys()), s.keys().key("leader"), s.keys().key("config"))) {
      List<ACL> acl = client.getACL().forPath(path);
      // (ZooKeeper shows another client a digest ACL's hash as "x")
      assertEquals(
          Set.of("digest:synod:31", "world:anyone:1"),
          acl.stream()
              .map(
                  a ->
                      a.getId().getScheme()
                          + ":"
                          + a.getId().getId().replaceFirst(":.*", "")
                          + ":"
                          + a.getPerms())
              .collect(java.util.stream.Collectors.toSet()),
          path);
    }
    // Anyone can read what Patroni's tools read...
    assertNotNull(client.getData().forPath(s.keys().key("config")));
    // ...but whoever lacks the credential cannot change the cluster through the mirror.
    assertThrows(
        KeeperException.NoAuthException.class,
        () ->
            client
                .setData()
                .forPath(s.keys().key("config"), "{\"ttl\":30}".getBytes(StandardCharsets.UTF_8)));
    assertThrows(
        KeeperException.NoAuthException.class,
        () ->
            client
                .create()
                .forPath(s.keys().key("failover"), "{}".getBytes(StandardCharsets.UTF_8)));
    // The bridge itself keeps writing.
    s.store()
        .setConfig(
            new java.util.LinkedHashMap<>(Map.of("ttl", 20, "loop_wait", 10, "retry_timeout", 10)),
            io.synod.store.kv.Expect.ANY);
    awaitMirror(s);
  }

  @Test
  void badSetAclsAreConfigErrors() {
    Map<String, Object> zkSection = new java.util.LinkedHashMap<>();
    zkSection.put("hosts", List.of("127.0.0.1:2181"));
    zkSection.put("set_acls", Map.of("CN=node1", List.of("READ", "EXECUTE")));
    BridgeConfigException e =
        assertThrows(
            BridgeConfigException.class, () -> BridgeConfig.parse(null, zkSection, null, null));
    assertTrue(
        e.getMessage().contains("zookeeper.set_acls.CN=node1: \"EXECUTE\" is not a permission"),
        e.getMessage());
  }

  private static final class Wait {
    static void until(java.time.Duration t, String what, java.util.function.BooleanSupplier ok) {
      io.synod.bridges.testing.Wait.until(t, what, ok);
    }
  }
}
