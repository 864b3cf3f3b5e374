package io.synod.engine.ha;

/**
 * The HA decision of one loop: an action, the member it concerns (the leader to follow or clone
 * from, the switchover candidate), and the one line logged every loop to say why.
 */
public record Decision(Action action, String target, String reason, SyncPlan.Step sync) {
  public Decision(Action action, String target, String reason) {
    this(action, target, reason, null);
  }

  static Decision of(Action a, String reason) {
    return new Decision(a, null, reason);
  }

  static Decision of(Action a, String target, String reason) {
    return new Decision(a, target, reason);
  }

  @Override
  public String toString() {
    return reason;
  }
}
