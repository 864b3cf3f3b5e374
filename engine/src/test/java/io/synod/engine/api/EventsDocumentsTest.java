package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.synod.engine.ha.HaEvents;
import io.synod.engine.ha.PeerProbe;
import io.synod.engine.tls.ClientTls;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merged /events?cluster=1 view keeps a dead member's story. */
class EventsDocumentsTest {

  @Test
  void aDeadMembersEventsStayAfterItsKeyExpired() throws Exception {
    HaEvents mine = new HaEvents("node2");
    mine.add("promotion", "PROMOTE", "the lock is free", "promoted: now the primary", 900);
    RestApi.Services svc =
        new RestApi.Services(
            "test",
            "node2",
            null,
            () -> null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            mine,
            new PeerProbe(ClientTls.NONE));
    EventsDocuments docs = new EventsDocuments(svc);
    HttpServer node1 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body =
        ("{\"name\":\"node1\",\"node\":{\"role\":\"primary\"},\"events\":[{\"kind\":\"bootstrap\","
                + "\"node\":\"node1\",\"at_ms\":1000}]}")
            .getBytes(StandardCharsets.UTF_8);
    node1.createContext(
        "/events",
        x -> {
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    node1.start();
    String api = "http://127.0.0.1:" + node1.getAddress().getPort() + "/patroni";
    try {
      Map<String, Object> both = docs.cluster(cluster(Map.of("node1", api, "node2", "x")), 100);
      assertEquals(2, events(both).size(), "node1's bootstrap and node2's promotion: " + both);
    } finally {
      node1.stop(0);
    }
    // node1 died: first it does not answer, then its member key expires
    Map<String, Object> dead = docs.cluster(cluster(Map.of("node1", api, "node2", "x")), 100);
    assertFalse(
        (Boolean) ((Map<?, ?>) ((Map<?, ?>) dead.get("members")).get("node1")).get("reachable"));
    assertTrue(hasCachedBootstrapOfNode1(dead), "while node1's key is there: " + dead);
    Map<String, Object> expired = docs.cluster(cluster(Map.of("node2", "x")), 100);
    assertTrue(hasCachedBootstrapOfNode1(expired), "after node1's key expired: " + expired);
    assertFalse(
        ((Map<?, ?>) expired.get("members")).containsKey("node1"), "no card for a gone member");
  }

  private static boolean hasCachedBootstrapOfNode1(Map<String, Object> doc) {
    return events(doc).stream()
        .anyMatch(
            e ->
                "node1".equals(e.get("node"))
                    && "bootstrap".equals(e.get("kind"))
                    && Boolean.TRUE.equals(e.get("from_cache")));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> events(Map<String, Object> doc) {
    return (List<Map<String, Object>>) doc.get("events");
  }

  private static Cluster cluster(Map<String, String> apiUrls) {
    Map<String, Member> members = new LinkedHashMap<>();
    apiUrls.forEach((name, url) -> members.put(name, new Member(name, Map.of("api_url", url), 1)));
    Cluster e = Cluster.empty();
    return new Cluster(
        e.initialize(),
        e.config(),
        e.configRevision(),
        e.leader(),
        members,
        e.optime(),
        e.slots(),
        e.history(),
        e.sync(),
        e.failover(),
        e.failsafe(),
        e.revision());
  }
}
