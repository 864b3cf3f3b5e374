package io.synod.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.cli.DemoFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SynodClusterHostsTest {
  @Test
  void aNodeMovedToItsHostListensThereAndLetsItsNetworkIn() {
    String yml =
        DemoFiles.nodeYaml(
            "s",
            "node2",
            8008,
            5432,
            List.of("10.77.0.1:7204", "10.77.0.2:7204", "10.77.0.3:7204"),
            1,
            Path.of("/tmp/n2"),
            "",
            "",
            DemoFiles.Secrets.demo());
    String moved = SynodCluster.onHost(yml, "10.77.0.2", "10.77.0.0/24");
    assertFalse(moved.contains("127.0.0.1"), moved);
    assertTrue(moved.contains("  listen: 10.77.0.2:5432"), moved);
    assertTrue(moved.contains("  listen: 10.77.0.2:8008"), moved);
    assertTrue(
        moved.contains(
            "postgresql:\n  pg_hba:\n    - host all all 10.77.0.0/24 scram-sha-256\n"
                + "    - host replication replicator 10.77.0.0/24 scram-sha-256\n  listen:"),
        moved);
  }
}
