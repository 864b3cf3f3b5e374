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

  @Test
  void aCancelledWatchLeavesNoRegistrationBehindWhileNothingChanges() {
    // The HA loop arms a watch per loop on a key that rarely changes (failover) and gives up at
    // loop_wait: thousands of loops must not leave thousands of waiters.
    for (int i = 0; i < 5_000; i++) {
      CompletableFuture<Long> f = hub.watch("/s/c/failover", 10);
      f.cancel(false);
    }
    assertEquals(0, hub.waiting());
    CompletableFuture<Long> live = hub.watch("/s/c/failover", 10);
    assertEquals(1, hub.waiting());
    hub.publish(List.of(ev("/s/c/failover", 11)));
    assertEquals(11L, live.join());
    assertEquals(0, hub.waiting());
  }

  @Test
  void aCompletionCallbackMayRegisterAnotherWatch() {
    CompletableFuture<Long> f = hub.watch("/s/c/", 1);
    CompletableFuture<CompletableFuture<Long>> next = new CompletableFuture<>();
    f.thenAccept(rev -> next.complete(hub.watch("/s/c/", rev)));
    hub.publish(List.of(ev("/s/c/leader", 2), ev("/s/c/leader", 3)));
    assertEquals(2L, f.join());
    assertEquals(3L, next.join().join(), "the second event, published after the re-arm, is seen");
  }
}
