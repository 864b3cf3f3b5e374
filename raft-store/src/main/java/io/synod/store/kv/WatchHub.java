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
    Waiter w = new Waiter(prefix, afterRevision, f);
    waiters.add(w);
    // A watcher that gives up (cancels, or completes the future itself) leaves no registration
    // behind: an idle cluster publishes nothing, so waiters are not otherwise swept.
    f.whenComplete((rev, err) -> forget(w));
    return f;
  }

  private synchronized void forget(Waiter w) {
    waiters.remove(w);
  }

  /** Registrations waiting for a change (for tests and metrics: must stay flat at idle). */
  public synchronized int waiting() {
    return waiters.size();
  }

  public void publish(List<WatchEvent> events) {
    // Futures complete outside the lock: a completion callback may register or cancel a watch.
    List<Runnable> wake = new ArrayList<>();
    synchronized (this) {
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
            it.remove();
            long rev = ev.revision();
            wake.add(() -> w.future.complete(rev));
          }
        }
      }
    }
    wake.forEach(Runnable::run);
  }

  /** The whole state was replaced (snapshot install): every watcher must re-read. */
  public void reset(long revision) {
    List<Waiter> all;
    synchronized (this) {
      history.clear();
      oldestForgotten = revision;
      all = new ArrayList<>(waiters);
      waiters.clear();
    }
    all.forEach(w -> w.future.complete(revision));
  }
}
