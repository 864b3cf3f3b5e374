package io.synod.store.lean;

import com.alipay.sofa.jraft.util.SPI;
import com.alipay.sofa.jraft.util.timer.DefaultRaftTimerFactory;
import com.alipay.sofa.jraft.util.timer.Timer;

/**
 * jraft's timers on one sleeping thread (found through {@code
 * META-INF/services/com.alipay.sofa.jraft.util.timer.RaftTimerFactory}; the higher priority wins
 * over jraft's own factory).
 *
 * <p>jraft's default gives the election, vote, step-down and snapshot timers of every node, and the
 * read-index timeout scanner, each its own wheel timer that wakes every millisecond whether or not
 * anything is due: five threads at about 2 % of a core each on an idle node, measured. A {@link
 * SleepingTimer} wakes only at the next deadline, and its deadlines are exact rather than rounded
 * to the next tick. The tasks these timers run are short (they post work to jraft's own executors),
 * so one thread serves them all.
 */
@SPI(name = "synod", priority = 100)
public class SynodTimerFactory extends DefaultRaftTimerFactory {

  @Override
  public Timer getElectionTimer(boolean shared, String name) {
    return createTimer(name);
  }

  @Override
  public Timer getVoteTimer(boolean shared, String name) {
    return createTimer(name);
  }

  @Override
  public Timer getStepDownTimer(boolean shared, String name) {
    return createTimer(name);
  }

  @Override
  public Timer getSnapshotTimer(boolean shared, String name) {
    return createTimer(name);
  }

  @Override
  public Timer createTimer(String name) {
    return new SleepingTimer(name);
  }
}
