package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.engine.testing.PgFixture;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A standby's timeline as the HA loop sees it: it never goes back while one postmaster runs (the
 * checkpoint's timeline lags, the WAL receiver's vanishes when the primary dies), and starts over
 * with the next postmaster.
 */
class StandbyTimelineTest {
  @Test
  void theHighestTimelineSeenHoldsUntilThePostmasterRestarts() {
    try (PgFixture f = new PgFixture()) {
      Postgres pg = f.postgres(f.settings("tl"));
      Instant first = Instant.parse("2026-12-02T10:00:00Z");
      assertEquals(1, pg.standbyTimeline(first, 1));
      assertEquals(2, pg.standbyTimeline(first, 2), "the receiver reports the new timeline");
      assertEquals(2, pg.standbyTimeline(first, 1), "receiver gone, checkpoint still on 1");
      Instant second = first.plusSeconds(60);
      assertEquals(1, pg.standbyTimeline(second, 1), "a new postmaster replays from scratch");
      assertEquals(3, pg.standbyTimeline(null, 3), "no start time: taken as read");
    }
  }
}
