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

  /** MINIMAL plus extra top-level sections. */
  static String minimalWith(String extra) {
    return MINIMAL + extra;
  }
}
