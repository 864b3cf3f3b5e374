package io.synod.store.lean;

import com.alipay.sofa.jraft.util.timer.Timeout;
import com.alipay.sofa.jraft.util.timer.Timer;
import com.alipay.sofa.jraft.util.timer.TimerTask;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A jraft {@link Timer} on a scheduler thread shared by every timer of the process, which sleeps
 * until the next deadline. {@link #stop()} cancels only this timer's own pending timeouts.
 */
public final class SleepingTimer implements Timer {
  private static final ScheduledThreadPoolExecutor SCHEDULER =
      Deadlines.scheduler("synod-raft-timer");

  private final Deadlines<Handle> deadlines;

  public SleepingTimer(String name) {
    deadlines = new Deadlines<>(SCHEDULER, "raft timer " + name);
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    return deadlines.add(new Handle(task), delay, unit);
  }

  @Override
  public Set<Timeout> stop() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(deadlines.stop()));
  }

  /** How many timeouts wait to run (for tests). */
  int pendingCount() {
    return deadlines.pendingCount();
  }

  private final class Handle extends Deadlines.Entry<TimerTask, Timer> implements Timeout {
    Handle(TimerTask task) {
      super(task, SleepingTimer.this);
    }

    @Override
    protected void fire() throws Exception {
      task().run(this);
    }
  }
}
