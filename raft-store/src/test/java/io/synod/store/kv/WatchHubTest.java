package io.synod.store.kv;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WatchHubTest {
  private final WatchHub hub = new WatchHub();

  private static WatchEvent ev(String key, long rev) {
    return new WatchEvent(WatchEvent.Type.PUT, key, null, rev);
  }

  @Test
  void wakesOnChangeUnderPrefixOnly() {
    CompletableFuture<Long> f = hub.watch("/s/c/", 10);
    hub.publish(List.of(ev("/s/other/leader", 11)));
    assertFalse(f.isDone());
    hub.publish(List.of(ev("/s/c/leader", 12)));
    assertEquals(12L, f.join());
  }

  @Test
  void rearmingWithAnOldRevisionSeesWhatItMissed() {
    hub.publish(List.of(ev("/s/c/leader", 5)));
    assertEquals(5L, hub.watch("/s/c/", 4).join());
    assertFalse(hub.watch("/s/c/", 5).isDone());
  }

  @Test
  void resetWakesEveryone() {
    CompletableFuture<Long> f = hub.watch("/s/c/", 1);
    hub.reset(100);
    assertEquals(100L, f.join());
    assertTrue(hub.watch("/x", 50).isDone(), "history before a reset is unknown: wake at once");
  }
}
