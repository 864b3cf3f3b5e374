package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A witness is a raft section without a database: {@code tags.witness: true}, or no postgresql
 * section at all. Nothing PostgreSQL needs is required of it, and a postgresql section beside the
 * tag is refused naming both keys (and each PATRONI_* variable that made one).
 */
class WitnessConfigTest {
  static final String RAFT_ONLY =
      """
      scope: demo
      name: node3
      restapi:
        listen: 127.0.0.1:8010
      raft:
        data_dir: /tmp/raft3
        self_addr: 127.0.0.1:8302
        partner_addrs: [127.0.0.1:8300, 127.0.0.1:8301]
        password: 'a long shared secret for the raft group'
      """;

  static final String WHY =
      "a witness (tags.witness: true) runs no PostgreSQL; remove the postgresql section, or"
          + " tags.witness to make this a database node";

  @Test
  void theWitnessTagWithoutAPostgresqlSectionIsAWitnessThatNeedsNoDatabaseSettings() {
    SynodConfig c = TestYaml.load(RAFT_ONLY + "tags:\n  witness: true\n");
    assertTrue(c.witness());
    assertNull(c.postgresql());
    assertTrue(c.tags().witness());
    assertEquals(List.of(), c.warnings());
    assertEquals("a long shared secret for the raft group", c.raft().password());
  }

  @Test
  void aRaftSectionWithoutAPostgresqlSectionIsAWitnessToo() {
    SynodConfig c = TestYaml.load(RAFT_ONLY);
    assertTrue(c.witness());
    assertNull(c.postgresql());
    assertFalse(c.tags().witness(), "the tag is not invented; SynodConfig.witness() says it");
    // a misspelt postgresql section must not make a witness without a word
    assertTrue(
        c.warnings().stream().anyMatch(w -> w.contains("postgresql: no postgresql section")),
        c.warnings().toString());
  }

  @Test
  void aDatabaseNodeIsNotAWitness() {
    SynodConfig c = TestYaml.load(TestYaml.MINIMAL);
    assertFalse(c.witness());
    assertEquals("/tmp/pg", c.postgresql().dataDir().toString());
    SynodConfig no = TestYaml.load(TestYaml.minimalWith("tags:\n  witness: false\n"));
    assertFalse(no.witness());
    assertEquals(List.of(), no.warnings());
  }

  @Test
  void theWitnessTagBesideAPostgresqlSectionIsRefusedNamingBothKeys() {
    assertEquals(
        List.of("node1.yml: postgresql: " + WHY),
        TestYaml.problems(TestYaml.minimalWith("tags:\n  witness: true\n")));
  }

  @Test
  void aPostgresqlSectionMadeByAnEnvironmentVariableIsRefusedNamingTheVariable() {
    assertEquals(
        List.of("PATRONI_SUPERUSER_PASSWORD: " + WHY),
        TestYaml.problems(
            RAFT_ONLY + "tags:\n  witness: true\n", Map.of("PATRONI_SUPERUSER_PASSWORD", "x")));
  }

  @Test
  void theWitnessTagIsAStrictBoolean() {
    List<String> p = TestYaml.problems(RAFT_ONLY + "tags:\n  witness: 'yes'\n");
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("node1.yml: tags.witness: "), p.get(0));
  }

  @Test
  void withoutARaftSectionAMissingPostgresqlSectionIsStillAnError() {
    List<String> p =
        TestYaml.problems("scope: demo\nname: node3\netcd3:\n  hosts: 127.0.0.1:2379\n");
    assertTrue(p.contains("node1.yml: postgresql.data_dir: required"), p.toString());
  }
}
