package io.synod.bench.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timestamps of the three log formats the breakdown reads. */
class TimelineTest {
  @Test
  void parsesSynodPatroniAndPostgresTimestamps(@TempDir Path dir) throws Exception {
    long utc = Instant.parse("2026-11-26T15:28:22.338Z").toEpochMilli();
    assertEquals(
        utc,
        Timeline.epochMs("2026-11-26 15:28:22.338 UTC [4242] LOG:  archive recovery complete"));
    assertEquals(
        utc, Timeline.epochMs("2026-11-26 15:28:22.338 GMT [4242] LOG:  received promote request"));
    long local =
        Timeline.epochMs(
            "2026-11-26 15:28:22,338 INFO: promoted self to leader by acquiring session lock");
    assertEquals(
        local,
        Timeline.epochMs(
            "2026-11-26 15:28:22.338 INFO  ha: the lock is free and I am the healthiest member"));
    assertEquals(-1, Timeline.epochMs("no timestamp here"));

    Path log = dir.resolve("x.log");
    Files.writeString(
        log,
        """
        2026-11-26 15:28:20.000 UTC [1] LOG:  archive recovery complete
        2026-11-26 15:28:22.338 UTC [1] LOG:  archive recovery complete
        """);
    assertEquals(
        utc,
        Timeline.first(log, utc - 100, "archive recovery complete"),
        "the first line at or after the kill");
    assertEquals(-1, Timeline.first(log, utc + 1, "archive recovery complete"));
  }
}
