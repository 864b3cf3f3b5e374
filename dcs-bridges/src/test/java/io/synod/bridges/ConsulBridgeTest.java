package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.bridges.testing.FakeConsul;
import io.synod.bridges.testing.Wait;
import io.synod.store.cluster.Keys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge against a fake Consul that implements the documented KV and session endpoints (there
 * is no Consul server on this machine). The requests the bridge sends are asserted here; whether a
 * live Consul answers them the same way is not verified.
 */
class ConsulBridgeTest extends TargetContract {
  FakeConsul consul;
  String token;
  String dc;

  @BeforeEach
  void startConsul() throws Exception {
    consul = new FakeConsul();
    open.add(consul); // closed after the bridges
  }

  static String prefix(Keys keys) {
    return keys.base().substring(1);
  }

  @Override
  Mirror bridge(Keys keys, MirrorSource source, MirrorOptions opts) {
    return new Mirror(
        source,
        new ConsulTarget(
            new ConsulSettings(consul.url(), token, dc, true, null, null, null), keys, opts),
        opts);
  }

  @Override
  Map<String, String> values(Keys keys) {
    Map<String, String> out = new TreeMap<>();
    consul
        .values()
        .forEach(
            (k, v) -> {
              if (k.startsWith(prefix(keys))) {
                out.put(k.substring(prefix(keys).length()), v);
              }
            });
    return out;
  }

  @Override
  Set<String> ttlKeys(Keys keys) {
    Set<String> out = new TreeSet<>();
    consul
        .holders()
        .keySet()
        .forEach(
            k -> {
              if (k.startsWith(prefix(keys))) {
                out.add(k.substring(prefix(keys).length()));
              }
            });
    return out;
  }

  @Override
  void externalPut(Keys keys, String rel, String value) {
    consul.put(prefix(keys) + rel, value);
  }

  @Override
  void targetDown() {
    consul.setDown(true);
  }

  @Override
  void targetUp() {
    consul.setDown(false);
  }

  @Test
  void speaksConsulsDocumentedApi() throws Exception {
    token = "s3cr3t";
    dc = "dc2";
    consul.requireToken(token);
    Setup s = cluster(scope("api"));
    started(s, options(false));
    awaitMirror(s);
    String p = prefix(s.keys());
    assertEquals(
        "service/api-consul/",
        p,
        "Patroni's Consul layout: the namespace without its leading slash");

    List<FakeConsul.Request> reqs = consul.requests();
    assertTrue(
        reqs.stream().allMatch(r -> token.equals(r.token())),
        "every request carries X-Consul-Token");
    assertTrue(
        reqs.stream().allMatch(r -> "dc2".equals(r.query().get("dc"))),
        "every request names the datacenter");

    List<String> sessions = consul.sessionIds();
    assertEquals(1, sessions.size());
    String id = sessions.get(0);
    Map<String, String> sess = consul.session(id);
    assertEquals("delete", sess.get("Behavior"), "TTL'd keys disappear with the session");
    assertEquals("10s", sess.get("TTL"), "half the ttl, but Consul's minimum 10 s");
    assertEquals("0.001s", sess.get("LockDelay"), "as Patroni: no lock-delay after a writer dies");
    assertEquals("[]", sess.get("Checks"), "as Patroni: the session is bound to no health check");

    for (String k : List.of("leader", "members/node1", "members/node2", "members/node3")) {
      assertTrue(
          reqs.stream()
              .anyMatch(
                  r ->
                      r.method().equals("PUT")
                          && r.path().equals("/v1/kv/" + p + k)
                          && id.equals(r.query().get("acquire"))),
          k + " is acquired by the session");
      assertEquals(id, consul.holders().get(p + k));
    }
    for (String k : List.of("config", "initialize", "status", "optime/leader")) {
      assertTrue(
          reqs.stream()
              .anyMatch(
                  r ->
                      r.method().equals("PUT")
                          && r.path().equals("/v1/kv/" + p + k)
                          && "0".equals(r.query().get("cas"))),
          k + " is created with cas=0");
      assertFalse(consul.holders().containsKey(p + k), k + " is not bound to a session");
    }

    consul.clearRequests();
    s.store().setStatus(83886080, Map.of());
    Wait.until(
        WAIT,
        "the status update",
        () ->
            "83886080".equals(values(s.keys()).get("optime/leader"))
                && values(s.keys()).get("status").contains("83886080"));
    assertTrue(
        consul.requests().stream()
            .anyMatch(
                r ->
                    r.method().equals("PUT")
                        && r.path().equals("/v1/kv/" + p + "status")
                        && r.query().containsKey("cas")
                        && !"0".equals(r.query().get("cas"))),
        "updates compare-and-set on ModifyIndex");
    Wait.until(
        WAIT,
        "a session renewal",
        () ->
            consul.requests().stream()
                .anyMatch(
                    r -> r.method().equals("PUT") && r.path().equals("/v1/session/renew/" + id)));
  }

  @Test
  void takesKeysHeldByAPreviousWritersSessionOver() throws Exception {
    Setup s = cluster(scope("takeover"));
    HttpClient http = HttpClient.newHttpClient();
    String created =
        http.send(
                HttpRequest.newBuilder(URI.create(consul.url() + "/v1/session/create"))
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"TTL\":\"60s\",\"Behavior\":\"delete\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String old = JSON.readTree(created).get("ID").asText();
    String p = prefix(s.keys());
    http.send(
        HttpRequest.newBuilder(URI.create(consul.url() + "/v1/kv/" + p + "leader?acquire=" + old))
            .PUT(HttpRequest.BodyPublishers.ofString("node1"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(old, consul.holders().get(p + "leader"));
    started(s, options(false));
    awaitMirror(s);
    Wait.until(
        WAIT,
        "the leader key to be held by the new writer's session",
        () ->
            consul.holders().get(p + "leader") != null
                && !old.equals(consul.holders().get(p + "leader")));
    consul.invalidate(old);
    assertEquals(
        "node1", values(s.keys()).get("leader"), "the old session ending takes nothing with it");
  }

  @Test
  void aLostSessionIsReplacedAndTheKeysAcquiredAgain() {
    Setup s = cluster(scope("lost"));
    Mirror b = started(s, options(false));
    awaitMirror(s);
    String first = consul.sessionIds().get(0);
    consul.invalidate(
        first); // as when Consul misses renewals: behavior=delete removes leader and members
    assertFalse(values(s.keys()).containsKey("leader"));
    awaitMirror(s);
    assertEquals(
        Set.of("leader", "members/node1", "members/node2", "members/node3"), ttlKeys(s.keys()));
    assertNotEquals(first, consul.holders().get(prefix(s.keys()) + "leader"));
    assertTrue(b.metrics().up());
  }
}
