package io.synod.engine.ha;

/**
 * What a witness does with the REST API's manual requests: it reloads its YAML like any node, and
 * refuses restart and reinitialize, saying why (there is no PostgreSQL to restart or to clone).
 */
public final class WitnessRequests implements ManualRequests.Worker {
  public static final String NO_DATABASE =
      "this node is a witness (a Raft voter without PostgreSQL): ";

  private final Runnable reload;

  /**
   * @param reload re-reads the node's YAML (log settings, the REST API's access rules)
   */
  public WitnessRequests(Runnable reload) {
    this.reload = reload;
  }

  @Override
  public ManualRequests.Outcome restart(ManualRequests.RestartSpec spec) {
    return new ManualRequests.Outcome(false, NO_DATABASE + "there is no PostgreSQL to restart");
  }

  @Override
  public ManualRequests.Outcome reinitialize(boolean fromLeader, Runnable started) {
    return new ManualRequests.Outcome(
        false, NO_DATABASE + "there is no data directory to reinitialize");
  }

  @Override
  public void reload() {
    reload.run();
  }
}
