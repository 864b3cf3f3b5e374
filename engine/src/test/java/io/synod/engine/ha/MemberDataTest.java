package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The member key's JSON, as patronictl and HAProxy templates read it. */
class MemberDataTest {
  @Test
  void proxyAddressBecomesProxyUrlAsInPatroni() {
    NodeIdentity id =
        new NodeIdentity(
            "node1",
            "10.0.0.1",
            5432,
            "http://10.0.0.1:8008/patroni",
            Map.of(),
            false,
            1,
            "10.0.0.9:6432");
    Map<String, Object> m = MemberData.build(id, new FakePg().state(), "replica", "running", false);
    assertEquals("postgres://10.0.0.1:5432/postgres", m.get("conn_url"));
    assertEquals("postgres://10.0.0.9:6432/postgres", m.get("proxy_url"));
    NodeIdentity plain =
        new NodeIdentity("node1", "10.0.0.1", 5432, "http://x/patroni", Map.of(), false, 1);
    assertFalse(
        MemberData.build(plain, new FakePg().state(), "replica", "running", false)
            .containsKey("proxy_url"));
  }
}
