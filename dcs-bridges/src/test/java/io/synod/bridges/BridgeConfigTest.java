package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BridgeConfigTest {
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static List<String> problems(
      Map<String, Object> etcd, Map<String, Object> zk, Map<String, Object> consul, Object bridge) {
    try {
      BridgeConfig.parse(etcd, zk, consul, bridge);
      return List.of();
    } catch (BridgeConfigException e) {
      return e.problems();
    }
  }

  @Test
  void noSectionsMeansNoBridges() {
    BridgeConfig c = BridgeConfig.parse(null, null, null, null);
    assertTrue(c.isEmpty());
    assertFalse(c.acceptRequests());
  }

  @Test
  void etcdHostsAsListOrCommaStringHostOrUrl() {
    assertEquals(
        List.of("http://10.0.0.1:2379", "http://10.0.0.2:2379"),
        BridgeConfig.parse(
                map("hosts", List.of("10.0.0.1:2379", "10.0.0.2:2379")), null, null, null)
            .etcd()
            .endpoints());
    assertEquals(
        List.of("https://a:2379", "https://b:2379"),
        BridgeConfig.parse(map("hosts", "a:2379, b:2379", "protocol", "https"), null, null, null)
            .etcd()
            .endpoints());
    assertEquals(
        List.of("http://e1:2379"),
        BridgeConfig.parse(map("host", "e1:2379"), null, null, null).etcd().endpoints());
    assertEquals(
        List.of("https://e1:2379"),
        BridgeConfig.parse(map("url", "https://e1:2379/"), null, null, null).etcd().endpoints());
    EtcdSettings s =
        BridgeConfig.parse(
                map(
                    "hosts",
                    "h:1",
                    "username",
                    "root",
                    "password",
                    "pw",
                    "cacert",
                    "/ca.pem",
                    "cert",
                    "/c.pem",
                    "key",
                    "/k.pem"),
                null,
                null,
                null)
            .etcd();
    assertEquals("root", s.username());
    assertEquals(Path.of("/ca.pem"), s.cacert());
    assertFalse(s.toString().contains("pw"), "password never printed");
  }

  @Test
  void etcdErrorsNameTheField() {
    assertEquals(
        List.of("etcd3.hosts: \"x\" is not host:port"),
        problems(map("hosts", "x"), null, null, null));
    assertEquals(
        List.of("etcd3.hosts: \"h:99999\": port 99999 is out of range 1-65535"),
        problems(map("hosts", List.of("h:99999")), null, null, null));
    assertEquals(
        List.of("etcd3: one of hosts, host or url is required"), problems(map(), null, null, null));
    assertEquals(
        List.of("etcd3.protocol: \"ftp\" is not http or https"),
        problems(map("hosts", "h:1", "protocol", "ftp"), null, null, null));
    assertEquals(
        List.of("etcd3.password: required together with username"),
        problems(map("hosts", "h:1", "username", "u"), null, null, null));
    assertEquals(
        List.of("etcd3.srv: not supported by Synod's etcd3 bridge"),
        problems(map("hosts", "h:1", "srv", "example.org"), null, null, null));
    assertEquals(
        List.of("etcd3.url: \"e1:2379\" is not http(s)://host:port"),
        problems(map("url", "e1:2379"), null, null, null));
  }

  @Test
  void unknownAndUnusedKeysAreWarnings() {
    BridgeConfig c =
        BridgeConfig.parse(
            map("hosts", "h:1", "retry_timeout", 10, "colour", "red"),
            null,
            map("checks", List.of(), "consistency", "consistent"),
            null);
    assertEquals(
        List.of(
            "etcd3.retry_timeout: accepted (Patroni setting) but not used by Synod's etcd3 bridge",
            "etcd3.colour: unknown key ignored",
            "consul.consistency: accepted (Patroni setting) but not used by Synod's consul bridge",
            "consul.checks: accepted (Patroni setting) but not used by Synod's consul bridge"),
        c.warnings());
  }

  @Test
  void zookeeperHosts() {
    assertEquals(
        "zk1:2181,zk2:2181",
        BridgeConfig.parse(null, map("hosts", List.of("zk1:2181", "zk2:2181")), null, null)
            .zookeeper()
            .connectString());
    assertEquals(
        "zk1:2181,zk2:2181",
        BridgeConfig.parse(null, map("hosts", "zk1:2181,zk2:2181"), null, null)
            .zookeeper()
            .connectString());
    assertEquals(
        List.of("zookeeper.hosts: required: the ZooKeeper ensemble as a list of host:port"),
        problems(null, map(), null, null));
    assertEquals(
        List.of("zookeeper.hosts: \"zk1\" is not host:port"),
        problems(null, map("hosts", List.of("zk1")), null, null));
    assertEquals(
        List.of("zookeeper.use_ssl: TLS to ZooKeeper is not supported by Synod's bridge yet"),
        problems(null, map("hosts", "z:1", "use_ssl", true), null, null));
  }

  @Test
  void consulDefaultsAndFields() {
    ConsulSettings d = BridgeConfig.parse(null, null, map(), null).consul();
    assertEquals("http://127.0.0.1:8500", d.baseUrl());
    assertTrue(d.verify());
    ConsulSettings s =
        BridgeConfig.parse(
                null,
                null,
                map(
                    "host", "c1", "port", 8501, "scheme", "https", "token", "t0k", "dc", "dc2",
                    "verify", false),
                null)
            .consul();
    assertEquals("https://c1:8501", s.baseUrl());
    assertEquals("t0k", s.token());
    assertEquals("dc2", s.dc());
    assertFalse(s.verify());
    assertFalse(s.toString().contains("t0k"), "token never printed");
    assertEquals(
        "http://c2:8500",
        BridgeConfig.parse(null, null, map("url", "http://c2:8500"), null).consul().baseUrl());
    assertEquals(
        List.of("consul.scheme: \"gopher\" is not http or https"),
        problems(null, null, map("scheme", "gopher"), null));
    assertEquals(
        List.of("consul.verify: \"maybe\" is not a boolean"),
        problems(null, null, map("verify", "maybe"), null));
  }

  @Test
  void bridgeSection() {
    assertTrue(
        BridgeConfig.parse(map("hosts", "h:1"), null, null, map("accept_requests", true))
            .acceptRequests());
    assertEquals(
        List.of("bridge.accept_requests: \"sometimes\" is not a boolean"),
        problems(null, null, null, map("accept_requests", "sometimes")));
    assertEquals(
        List.of("bridge: expected a mapping, got \"yes\""), problems(null, null, null, "yes"));
    assertEquals(
        List.of("bridge.queue: unknown key ignored"),
        BridgeConfig.parse(null, null, null, map("queue", 3)).warnings());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertEquals(
        List.of(
            "etcd3.hosts: \"x\" is not host:port",
            "zookeeper.hosts: \"y\" is not host:port",
            "consul.scheme: \"z\" is not http or https"),
        problems(map("hosts", "x"), map("hosts", "y"), map("scheme", "z"), null));
  }
}
