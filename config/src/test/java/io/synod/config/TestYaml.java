package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

/**
 * Shared fixtures: the smallest valid config, and helpers that load from a string named node1.yml.
 */
final class TestYaml {
  static final String MINIMAL =
      """
            scope: demo
            name: node1
            raft:
              data_dir: /tmp/raft
              self_addr: 127.0.0.1:8300
            postgresql:
              data_dir: /tmp/pg
            """;

  private TestYaml() {}

  static SynodConfig load(String yaml) {
    return ConfigLoader.fromYaml(yaml, "node1.yml", Map.of());
  }

  static SynodConfig load(String yaml, Map<String, String> env) {
    return ConfigLoader.fromYaml(yaml, "node1.yml", env);
  }

  /** The problems reported for an invalid config. */
  static List<String> problems(String yaml) {
    return problems(yaml, Map.of());
  }

  static List<String> problems(String yaml, Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml(yaml, "node1.yml", env))
        .problems();
  }

  /** The warning a warned key gets: "SOURCE: not used by Synod: PATH (why)". */
  static String notUsed(String source, String path) {
    return source + ": " + ConfigKeys.lookup(path).warning(path);
  }

  /** Paths of the "not used by Synod" warnings, in order. */
  static List<String> notUsedPaths(List<String> warnings) {
    return warnings.stream()
        .filter(w -> w.contains(": not used by Synod: "))
        .map(w -> w.substring(w.indexOf(": not used by Synod: ") + 21))
        .map(p -> p.substring(0, p.indexOf(" (")))
        .toList();
  }

  /** The warning of a dynamic key read from the DCS config key (written without bootstrap.dcs). */
  static String notUsedDcs(String source, String path) {
    return source + ": " + ConfigKeys.lookup("bootstrap.dcs." + path).warning(path);
  }

  /** MINIMAL plus extra top-level sections. */
  static String minimalWith(String extra) {
    return MINIMAL + extra;
  }
}
