package io.synod.engine.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.ConfigLoader;
import io.synod.config.LogConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** log.* applied to Logback in this JVM (restored to logback.xml after each test). */
class LogSetupTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @AfterEach
  void restore() {
    LogSetup.reset();
  }

  private LogConfig log(String section) {
    String yaml =
        """
        scope: demo
        name: node1
        raft: {data_dir: /tmp/raft, self_addr: 127.0.0.1:8300}
        postgresql: {data_dir: /tmp/pg}
        log:
        """
            + section.indent(2);
    return ConfigLoader.fromYaml(yaml, "node1.yml", Map.of()).log();
  }

  private Path dir() {
    return tmp.resolve("logs");
  }

  @Test
  void jsonLinesInADirectoryRotateBySizeKeepingFileNumFiles() throws IOException {
    LogSetup.apply(
        log(
            """
            dir: %s
            type: json
            format: [message, {asctime: "@timestamp"}, levelname, name]
            static_fields: {app: synod}
            file_size: 2000
            file_num: 2
            """
                .formatted(dir())));
    Logger l = LoggerFactory.getLogger("io.synod.test.Rotation");
    for (int i = 0; i < 100; i++) {
      l.info("line {} of the rotation test, padded to make it long enough", i);
    }
    Path current = dir().resolve("synod.log");
    assertTrue(Files.exists(current));
    assertTrue(Files.exists(dir().resolve("synod.log.1")));
    assertTrue(Files.exists(dir().resolve("synod.log.2")));
    assertFalse(Files.exists(dir().resolve("synod.log.3")), "file_num: 2 keeps two old files");
    assertTrue(Files.size(dir().resolve("synod.log.1")) >= 2000, "rotated at file_size");
    assertTrue(Files.size(dir().resolve("synod.log.1")) < 2200, "not much past file_size");
    List<String> lines = Files.readAllLines(current);
    JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
    assertEquals(
        "line 99 of the rotation test, padded to make it long enough",
        last.get("message").asText());
    assertEquals("INFO", last.get("levelname").asText());
    assertEquals("io.synod.test.Rotation", last.get("name").asText());
    assertEquals("synod", last.get("app").asText());
    assertTrue(
        last.get("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}"),
        last.toString());
    assertEquals(
        List.of("message", "@timestamp", "levelname", "name", "app"),
        List.copyOf(iterable(last.fieldNames())));
    for (String f : List.of("synod.log", "synod.log.1", "synod.log.2")) {
      for (String line : Files.readAllLines(dir().resolve(f))) {
        JSON.readTree(line); // every line is one JSON object
      }
    }
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void plainPythonFormatWithDateformat() throws IOException {
    LogSetup.apply(
        log(
            """
            dir: %s
            format: "%%(asctime)s [%%(levelname)-8s] %%(module)s %%(levelno)d: %%(message)s"
            dateformat: "%%d/%%m/%%Y %%H:%%M"
            """
                .formatted(dir())));
    LoggerFactory.getLogger("io.synod.test.Plain").warn("hello {}", "world");
    String line = Files.readAllLines(dir().resolve("synod.log")).get(0);
    assertTrue(
        line.matches("\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d \\[WARNING \\] Plain 30: hello world"),
        line);
  }

  @Test
  void withoutFormatLinesLookAsSynodsAlwaysDid() throws IOException {
    LogSetup.apply(log("dir: " + dir()));
    LoggerFactory.getLogger("io.synod.test.Default").info("ready");
    String line = Files.readAllLines(dir().resolve("synod.log")).get(0);
    assertTrue(
        line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Default: ready"),
        line);
  }

  @Test
  void tracebackLevelDebugShowsOnlyTheExceptionMessageAtInfo() throws IOException {
    LogSetup.apply(log("dir: %s\ntraceback_level: DEBUG\n".formatted(dir())));
    LoggerFactory.getLogger("io.synod.test.Tb")
        .error("it failed", new IllegalStateException("boom"));
    String text = Files.readString(dir().resolve("synod.log"));
    assertTrue(text.contains("it failed, DETAIL: 'boom'"), text);
    assertFalse(text.contains("\tat "), "no stack trace below DEBUG: " + text);
  }

  @Test
  void tracebackLevelErrorShowsTheStackTrace() throws IOException {
    LogSetup.apply(log("dir: " + dir()));
    LoggerFactory.getLogger("io.synod.test.Tb")
        .error("it failed", new IllegalStateException("boom"));
    String text = Files.readString(dir().resolve("synod.log"));
    assertTrue(text.contains("java.lang.IllegalStateException: boom"), text);
    assertTrue(text.contains("\tat "), text);
  }

  @Test
  void levelAndPerLoggerLevels() throws IOException {
    LogSetup.apply(
        log(
            """
            dir: %s
            level: WARNING
            loggers: {io.synod.test.loud: DEBUG, io.synod.test.quiet: ERROR}
            """
                .formatted(dir())));
    LoggerFactory.getLogger("io.synod.test.other").info("info below WARNING: dropped");
    LoggerFactory.getLogger("io.synod.test.other").warn("warn kept");
    LoggerFactory.getLogger("io.synod.test.loud.X").debug("debug kept by loggers");
    LoggerFactory.getLogger("io.synod.test.quiet.Y").warn("warn dropped by loggers");
    String text = Files.readString(dir().resolve("synod.log"));
    assertFalse(text.contains("dropped"), text);
    assertTrue(text.contains("warn kept"), text);
    assertTrue(text.contains("debug kept by loggers"), text);
  }

  @Test
  void modeSetsTheFilePermissionsAlsoAfterRotation() throws IOException {
    LogSetup.apply(log("dir: %s\nmode: 0640\nfile_size: 200\nfile_num: 1\n".formatted(dir())));
    Logger l = LoggerFactory.getLogger("io.synod.test.Mode");
    for (int i = 0; i < 10; i++) {
      l.info("a line long enough to rotate the file after a few of them");
    }
    assertTrue(Files.exists(dir().resolve("synod.log.1")));
    assertEquals(
        "rw-r-----",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir().resolve("synod.log"))));
  }

  @Test
  void anUnwritableDirectoryIsAClearError() throws IOException {
    Path file = tmp.resolve("a-file");
    Files.writeString(file, "");
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> LogSetup.apply(log("dir: " + file.resolve("sub"))));
    assertTrue(e.getMessage().startsWith("log.dir: cannot create"), e.getMessage());
  }
}
