package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.synod.bridges.testing.EtcdServer;
import io.synod.store.cluster.Keys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bridge against Debian's real etcd 3.4. */
class EtcdBridgeTest extends TargetContract {
  static EtcdServer etcd;
  static Client client;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdServer.started();
    client = Client.builder().endpoints(etcd.endpoint()).build();
  }

  @AfterAll
  static void stopEtcd() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static List<KeyValue> all(Keys keys) throws Exception {
    return client
        .getKVClient()
        .get(bs(keys.base()), GetOption.builder().isPrefix(true).build())
        .get(5, TimeUnit.SECONDS)
        .getKvs();
  }

  @Override
  Mirror bridge(Keys keys, MirrorSource source, MirrorOptions opts) {
    return new Mirror(
        source,
        new EtcdTarget(
            new EtcdSettings(List.of(etcd.endpoint()), null, null, null, null, null), keys, opts),
        opts);
  }

  @Override
  Map<String, String> values(Keys keys) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (KeyValue kv : all(keys)) {
      out.put(
          kv.getKey().toString(StandardCharsets.UTF_8).substring(keys.base().length()),
          kv.getValue().toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Override
  Set<String> ttlKeys(Keys keys) throws Exception {
    Set<String> out = new TreeSet<>();
    for (KeyValue kv : all(keys)) {
      if (kv.getLease() != 0) {
        out.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(keys.base().length()));
      }
    }
    return out;
  }

  @Override
  void externalPut(Keys keys, String rel, String value) throws Exception {
    client.getKVClient().put(bs(keys.key(rel)), bs(value)).get(5, TimeUnit.SECONDS);
  }

  @Override
  void targetDown() {
    etcd.stop();
  }

  @Override
  void targetUp() throws Exception {
    etcd.start();
  }

  @Test
  void ttlKeysShareOneLeaseWithTheClustersTtl() throws Exception {
    Setup s = cluster(scope("lease"));
    started(s, options(false));
    awaitMirror(s);
    Set<Long> leases = new TreeSet<>();
    for (KeyValue kv : all(s.keys())) {
      if (kv.getLease() != 0) {
        leases.add(kv.getLease());
      }
    }
    assertEquals(1, leases.size(), "leader and members ride on one lease, as with Patroni");
    long granted =
        client
            .getLeaseClient()
            .timeToLive(leases.iterator().next(), LeaseOption.DEFAULT)
            .get(5, TimeUnit.SECONDS)
            .getGrantedTTL();
    assertEquals(TTL.toSeconds(), granted, "the lease's TTL is the cluster's ttl");
  }

  @Test
  void takesTtlKeysOverFromAPreviousWritersLease() throws Exception {
    Setup s = cluster(scope("takeover"));
    long old = client.getLeaseClient().grant(60).get(5, TimeUnit.SECONDS).getID();
    client
        .getKVClient()
        .put(bs(s.keys().key("leader")), bs("node1"), PutOption.builder().withLeaseId(old).build())
        .get(5, TimeUnit.SECONDS);
    started(s, options(false));
    awaitMirror(s);
    long now =
        all(s.keys()).stream()
            .filter(kv -> kv.getKey().toString(StandardCharsets.UTF_8).endsWith("/leader"))
            .findFirst()
            .orElseThrow()
            .getLease();
    assertNotEquals(old, now, "the leader key moved to this writer's lease");
    client.getLeaseClient().revoke(old).get(5, TimeUnit.SECONDS);
    assertEquals(
        "node1",
        values(s.keys()).get("leader"),
        "the old writer's lease ending takes nothing with it");
  }

  @Test
  void authenticatesWithUsernameAndPassword() throws Exception {
    try (EtcdServer secured = EtcdServer.started();
        Client admin = Client.builder().endpoints(secured.endpoint()).build()) {
      admin.getAuthClient().userAdd(bs("root"), bs("r00t")).get(5, TimeUnit.SECONDS);
      admin.getAuthClient().userGrantRole(bs("root"), bs("root")).get(5, TimeUnit.SECONDS);
      admin.getAuthClient().authEnable().get(5, TimeUnit.SECONDS);
      Setup s = cluster(scope("auth"));
      Mirror wrong =
          new Mirror(
              s.source(),
              new EtcdTarget(
                  new EtcdSettings(List.of(secured.endpoint()), "root", "nope", null, null, null),
                  s.keys(),
                  options(false)),
              options(false));
      open.add(wrong::stop);
      wrong.start();
      io.synod.bridges.testing.Wait.until(
          WAIT,
          () -> "a wrong password to show as down, got " + wrong.metrics(),
          () -> !wrong.metrics().up() && wrong.metrics().errors() > 0);
      wrong.stop();
      Mirror right =
          new Mirror(
              s.source(),
              new EtcdTarget(
                  new EtcdSettings(List.of(secured.endpoint()), "root", "r00t", null, null, null),
                  s.keys(),
                  options(false)),
              options(false));
      open.add(right::stop);
      right.start();
      try (Client reader =
          Client.builder()
              .endpoints(secured.endpoint())
              .user(bs("root"))
              .password(bs("r00t"))
              .build()) {
        io.synod.bridges.testing.Wait.until(
            WAIT,
            "the mirror in the secured etcd",
            () -> {
              try {
                return !reader
                    .getKVClient()
                    .get(bs(s.keys().key("leader")))
                    .get(5, TimeUnit.SECONDS)
                    .getKvs()
                    .isEmpty();
              } catch (Exception e) {
                return false;
              }
            });
      }
      // "up" is set by the bridge's own thread after its write round; wait for it rather than race
      // it
      io.synod.bridges.testing.Wait.until(
          WAIT,
          () -> "the right password to show as up, got " + right.metrics(),
          () -> right.metrics().up());
    }
  }
}
