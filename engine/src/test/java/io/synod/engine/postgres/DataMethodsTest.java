package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arguments Patroni passes to custom bootstrap and replica commands, and their settings. */
class DataMethodsTest {
  @Test
  void bootstrapCommandGetsScopeDatadirAndTheMethodsOwnKeys() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", "/bin/restore.sh");
    m.put("keep_existing_recovery_conf", false);
    m.put("recovery_conf", Map.of("restore_command", "cp /a/%f %p"));
    m.put("backup", "/srv/backup");
    m.put("verify", true);
    assertEquals(
        List.of("--scope=demo", "--datadir=/pg", "--backup=/srv/backup", "--verify=True"),
        DataMethods.bootstrapArgs(m, "demo", "/pg"));
    m.put("no_params", true);
    assertEquals(
        List.of("--backup=/srv/backup", "--verify=True"),
        DataMethods.bootstrapArgs(m, "demo", "/pg"));
  }

  @Test
  void replicaCommandGetsItsKeysThenScopeRoleDatadirConnstring() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", "/bin/clone.sh");
    m.put("keep_data", true);
    m.put("stanza", "main");
    assertEquals(
        List.of(
            "--keep_data=True",
            "--stanza=main",
            "--scope=demo",
            "--role=replica",
            "--datadir=/pg",
            "--connstring=host=h port=5432"),
        DataMethods.replicaArgs(m, "demo", "/pg", "host=h port=5432"));
    m.put("no_params", true);
    m.put("no_leader", true);
    assertEquals(List.of("--stanza=main"), DataMethods.replicaArgs(m, "demo", "/pg", "x"));
  }

  @Test
  void defaultsAreInitdbAndBasebackup() {
    DataMethods d = DataMethods.defaults();
    assertFalse(d.customBootstrap());
    assertEquals(List.of("basebackup"), d.replicaMethods());
    assertTrue(new DataMethods("restore", Map.of("command", "x"), null, null).customBootstrap());
  }

  @Test
  void bootstrapRecoveryConfKeepsTheNodesIdentityAndDropsStandbyMode() {
    Map<String, Object> rc = new LinkedHashMap<>();
    rc.put("restore_command", "cp /a/%f %p");
    rc.put("recovery_target_action", "promote");
    rc.put("recovery_target_timeline", "latest");
    rc.put("standby_mode", true);
    rc.put("port", 1);
    assertEquals(
        Map.of(
            "restore_command", "cp /a/%f %p",
            "recovery_target_action", "promote",
            "recovery_target_timeline", "latest"),
        ConfigFiles.bootstrapRecoverySettings(rc));
  }
}
