package io.synod.store.lean;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer's timeouts on a scheduler thread that sleeps until the next deadline: what {@link
 * SleepingTimer} (jraft's timer interface) and {@link RpcTimeouts} (Netty's, for bolt) share. Each
 * timeout is an {@link Entry} that also implements the timer interface's own {@code Timeout}.
 */
final class Deadlines<E extends Deadlines.Entry> {
  private static final Logger LOG = LoggerFactory.getLogger(Deadlines.class);

  private final ScheduledExecutorService scheduler;
  private final String what;
  private final Set<E> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  /**
   * @param scheduler a scheduler with remove-on-cancel set (nearly every timeout is cancelled)
   * @param what the timer's name in a log line
   */
  Deadlines(ScheduledExecutorService scheduler, String what) {
    this.scheduler = scheduler;
    this.what = what;
  }

  /** Schedules {@code e} to fire after {@code delay}; refused once stopped. */
  E add(E e, long delay, TimeUnit unit) {
    if (stopped) {
      throw new IllegalStateException(what + " is stopped");
    }
    e.owner = this;
    pending.add(e);
    synchronized (e) {
      e.future = scheduler.schedule(e, Math.max(0, delay), unit);
    }
    return e;
  }

  /** Refuses new timeouts and cancels the pending ones; returns those it cancelled. */
  List<E> stop() {
    stopped = true;
    List<E> left = new ArrayList<>();
    for (E e : pending) {
      if (e.cancel()) {
        left.add(e);
      }
    }
    pending.clear();
    return left;
  }

  int pendingCount() {
    return pending.size();
  }

  /** A scheduled timeout; subclasses add the timer interface's task and {@code timer()}. */
  abstract static class Entry implements Runnable {
    Deadlines<?> owner;
    ScheduledFuture<?> future;
    private volatile boolean expired;

    /** Runs the task; called once, on the scheduler's thread. */
    protected abstract void fire() throws Exception;

    @Override
    public final void run() {
      owner.pending.remove(this);
      expired = true;
      try {
        fire();
      } catch (Throwable t) {
        // one failing task must not end the thread the other timeouts wait on
        LOG.warn("{}: task failed", owner.what, t);
      }
    }

    private synchronized ScheduledFuture<?> future() {
      return future;
    }

    public boolean isExpired() {
      return expired;
    }

    public boolean isCancelled() {
      ScheduledFuture<?> f = future();
      return f != null && f.isCancelled();
    }

    public boolean cancel() {
      if (owner != null) {
        owner.pending.remove(this);
      }
      ScheduledFuture<?> f = future();
      return f != null && f.cancel(false);
    }
  }
}
