package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Which pg_rewind failures leave the target untouched and are worth another try. */
class RewindTest {
  @Test
  void aSourceThatRefusesTheConnectionIsRetriedNotGivenUpOn() {
    // PostgreSQL 15's pg_rewind, seen in the fault campaign right after a promotion
    assertTrue(
        Rewind.cannotConnect(
            "pg_rewind: error: connection to server at \"10.211.154.12\", port 5432 failed:"
                + " Connection refused\n\tIs the server running on that host and accepting TCP/IP"
                + " connections?"));
    assertTrue(Rewind.cannotConnect("could not translate host name \"node9\" to address"));
    // seen in the strict durability drill: the source restarted while pg_rewind read its files
    assertTrue(
        Rewind.cannotConnect(
            "pg_rewind: servers diverged at WAL location 0/75C8C80 on timeline 10\n"
                + "pg_rewind: rewinding from last common checkpoint at 0/74B4F50 on timeline 10\n"
                + "pg_rewind: error: could not fetch file list: server closed the connection"
                + " unexpectedly"));
    assertTrue(
        Rewind.cannotConnect("pg_rewind: error: source server must not be in recovery mode"));
    assertFalse(
        Rewind.cannotConnect(
            "pg_rewind: error: could not fetch remote file \"base/5/16384\": server closed the"
                + " connection unexpectedly"),
        "a failure while copying leaves the target half-rewound");
    assertFalse(
        Rewind.cannotConnect(
            "pg_rewind: error: could not find common ancestor of the source and target cluster's"
                + " timelines"));
    assertFalse(
        Rewind.cannotConnect("pg_rewind: fatal: target server needs to use either data checksums"));
  }
}
