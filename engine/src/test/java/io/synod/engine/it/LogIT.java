package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A real node ({@code synod run}, PostgreSQL underneath) configured with {@code log: {dir, type:
 * json}} writes its log as rotated JSON lines in that directory, with the start-up warnings in it.
 */
class LogIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aNodeWritesRotatedJsonLogsWhereLogDirSays() throws Exception {
    try (ClusterFixture cluster = new ClusterFixture("it-log", 1, "", List.of())) {
      NodeProc n = cluster.nodes().get(0);
      Path logs = n.nodeDir.resolve("logs");
      // SOFAJRaft at DEBUG (logback.xml keeps it at ERROR; log.loggers overrides that) logs every
      // Raft entry; file_num keeps all files here (dropping the oldest is LogSetupTest's), so the
      // start-up warning can be counted. At rest a node writes few entries (lease renewals are
      // keep-alives), so the test makes its own: each PATCH /config below is one.
      Files.writeString(
          n.yml,
          Files.readString(n.yml)
              + """
              thread_pool_size: 5
              log:
                type: json
                level: DEBUG
                dir: %s
                file_size: 20000
                file_num: 50
                static_fields: {cluster: it-log}
                loggers: {com.alipay.sofa.jraft: DEBUG}
              """
                  .formatted(logs));
      cluster.startAll();
      Await.until(Duration.ofSeconds(90), "node1 to lead", () -> "node1".equals(cluster.leader()));
      int[] patches = {0};
      Await.until(
          Duration.ofSeconds(90),
          () -> "two rotations of synod.log after " + patches[0] + " PATCH /config",
          () -> {
            if (Files.exists(logs.resolve("synod.log.2"))) {
              return true;
            }
            int code =
                cluster.post(
                    n.restPort,
                    "/config",
                    "{\"maximum_lag_on_failover\": " + (1048576 + patches[0]++ % 2) + "}",
                    "PATCH");
            assertEquals(200, code, "PATCH /config");
            return false;
          });

      List<JsonNode> all = new ArrayList<>();
      for (Path f : files(logs)) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            all.add(JSON.readTree(line)); // every line is one JSON object
          }
        }
      }
      for (JsonNode j : all) {
        assertEquals("it-log", j.path("cluster").asText(), j.toString());
        assertTrue(j.has("asctime") && j.has("levelname") && j.has("message"), j.toString());
      }
      assertTrue(Files.size(logs.resolve("synod.log.1")) >= 20000);
      // The node's stdout carries nothing of it: the log went where log.dir says.
      String stdout = Files.readString(n.log());
      assertFalse(stdout.contains("of cluster it-log started"), stdout);
      assertFalse(stdout.contains("\"levelname\""), stdout);
      // The start-up warning is in the log, once.
      long warned =
          all.stream()
              .filter(
                  j -> j.path("message").asText().contains("not used by Synod: thread_pool_size"))
              .count();
      assertEquals(1, warned);
      assertTrue(
          all.stream()
              .anyMatch(j -> j.path("message").asText().contains("of cluster it-log started")));
    }
  }

  /** synod.log.N ... synod.log.1, synod.log: oldest first. */
  private static List<Path> files(Path logs) throws IOException {
    List<Path> out = new ArrayList<>();
    for (int i = 50; i >= 1; i--) {
      Path p = logs.resolve("synod.log." + i);
      if (Files.exists(p)) {
        out.add(p);
      }
    }
    out.add(logs.resolve("synod.log"));
    return out;
  }
}
