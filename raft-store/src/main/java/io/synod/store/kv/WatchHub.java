package io.synod.store.kv;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Local watches on the applied state. Every replica applies the whole log, so a watch never needs
 * the network: it wakes when this node applies a change under the prefix. A short history lets a
 * watcher that re-arms with its last seen revision miss nothing (or wake at once when the history
 * no longer reaches back that far, so it re-reads).
 */
public final class WatchHub {
  private static final int HISTORY = 4096;

  private record Waiter(String prefix, long after, CompletableFuture<Long> future) {}

  private final ArrayDeque<WatchEvent> history = new ArrayDeque<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private long oldestForgotten; // highest revision dropped from history (or reset)

  /** Completes with the revision of the first change under prefix after {@code afterRevision}. */
  public synchronized CompletableFuture<Long> watch(String prefix, long afterRevision) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    if (afterRevision < oldestForgotten) {
      f.complete(oldestForgotten);
      return f;
    }
    for (WatchEvent ev : history) {
      if (ev.revision() > afterRevision
          && (ev.type() == WatchEvent.Type.RESET || ev.key().startsWith(prefix))) {
        f.complete(ev.revision());
        return f;
      }
    }
    waiters.add(new Waiter(prefix, afterRevision, f));
    return f;
  }

  public synchronized void publish(List<WatchEvent> events) {
    for (WatchEvent ev : events) {
      history.addLast(ev);
      if (history.size() > HISTORY) {
        oldestForgotten = history.removeFirst().revision();
      }
      Iterator<Waiter> it = waiters.iterator();
      while (it.hasNext()) {
        Waiter w = it.next();
        if (w.future.isDone()) {
          it.remove();
        } else if (ev.revision() > w.after
            && (ev.type() == WatchEvent.Type.RESET || ev.key().startsWith(w.prefix))) {
          w.future.complete(ev.revision());
          it.remove();
        }
      }
    }
  }

  /** The whole state was replaced (snapshot install): every watcher must re-read. */
  public synchronized void reset(long revision) {
    history.clear();
    oldestForgotten = revision;
    for (Waiter w : waiters) {
      w.future.complete(revision);
    }
    waiters.clear();
  }
}
