package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.config.ConfigKeys;
import io.synod.config.ConfigKeys.Key;
import io.synod.config.ConfigKeys.Owner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The mirror sections' rows of config/README.md's table (etcd3, zookeeper, consul, bridge) say what
 * {@link BridgeConfig} does: an honoured key is read without complaint, a warned key gets a "not
 * used" warning, a refused key an error naming it; no row is a key the bridge ignores as unknown.
 */
class BridgeKeysTest {
  private static Map<String, Object> base(String section) {
    Map<String, Object> m = new LinkedHashMap<>();
    switch (section) {
      case "etcd3" -> {
        m.put("hosts", List.of("127.0.0.1:2379"));
        m.put("username", "u");
        m.put("password", "p");
        m.put("cert", "/c.pem");
        m.put("key", "/k.pem");
      }
      case "zookeeper" -> m.put("hosts", List.of("127.0.0.1:2181"));
      case "consul" -> {
        m.put("host", "127.0.0.1:8500");
        m.put("cert", "/c.pem");
        m.put("key", "/k.pem");
      }
      default -> {}
    }
    return m;
  }

  private static Object sample(String key) {
    return switch (key) {
      case "hosts" -> List.of("127.0.0.1:2379");
      case "host" -> "127.0.0.1:2379";
      case "url" -> "http://127.0.0.1:2379";
      case "protocol", "scheme" -> "http";
      case "port" -> "8500";
      case "verify", "use_proxies", "register_service", "use_ssl", "accept_requests" -> true;
      case "checks", "service_tags" -> List.of("a");
      case "set_acls" -> Map.of("digest:synod:abc=", List.of("ALL"));
      case "auth_data" -> Map.of("digest", "synod:secret");
      default -> "/x";
    };
  }

  @Test
  void everyMirrorRowMatchesWhatTheBridgeParserDoes() {
    List<String> problems = new ArrayList<>();
    int rows = 0;
    for (Key k : ConfigKeys.all()) {
      if (k.owner() != Owner.BRIDGES) {
        continue;
      }
      rows++;
      String section = k.path().substring(0, k.path().indexOf('.'));
      String key = k.path().substring(section.length() + 1);
      Map<String, Object> m = base(section);
      m.put(key, sample(key));
      List<String> errors = List.of();
      List<String> warnings = List.of();
      try {
        BridgeConfig c =
            BridgeConfig.parse(
                section.equals("etcd3") ? m : null,
                section.equals("zookeeper") ? m : null,
                section.equals("consul") ? m : null,
                section.equals("bridge") ? m : null);
        warnings = c.warnings();
      } catch (BridgeConfigException e) {
        errors = e.problems();
      }
      String mine = k.path() + ":";
      boolean erred = errors.stream().anyMatch(e -> e.startsWith(mine));
      boolean notUsed =
          warnings.stream().anyMatch(w -> w.startsWith(mine) && w.contains("not used"));
      boolean unknown =
          warnings.stream().anyMatch(w -> w.startsWith(mine) && w.contains("unknown"));
      boolean ok =
          switch (k.state()) {
            case HONOURED -> !erred && !notUsed && !unknown && errors.isEmpty();
            case WARNED -> notUsed && !erred;
            case REFUSED -> erred;
          };
      if (!ok) {
        problems.add(
            k.path()
                + " is "
                + k.state().word()
                + " in the table, but: "
                + errors
                + " "
                + warnings);
      }
    }
    assertEquals(List.of(), problems);
    assertEquals(true, rows > 20, "mirror rows found: " + rows);
  }
}
