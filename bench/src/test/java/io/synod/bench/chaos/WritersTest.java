package io.synod.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.bench.chaos.Overlap.Ack;
import java.util.List;
import org.junit.jupiter.api.Test;

class WritersTest {
  @Test
  void writesAreSummedPerNodeAndTimelineRelativeToTheFault() {
    long t0 = 10_000_000_000L;
    List<Ack> acks =
        List.of(
            new Ack(1, "node1", t0 - 30_000_000, t0 - 20_000_000, 3),
            new Ack(2, "node1", t0, t0 + 5_000_000, 3),
            new Ack(3, "node2", t0 + 2_000_000_000L, t0 + 2_500_000_000L, 4));
    List<Round.Writer> w = Scenarios.writers(acks, t0);
    assertEquals(
        List.of(
            new Round.Writer("node1", 3, -20.0, 5.0, 2),
            new Round.Writer("node2", 4, 2500.0, 2500.0, 1)),
        w);
  }
}
