package io.synod.engine.postgres;

/** pg_ctl shutdown modes. */
public enum StopMode {
  /** Waits for clients to disconnect; rarely what an HA manager wants. */
  SMART,
  /** Disconnects clients, writes a shutdown checkpoint: a clean stop. */
  FAST,
  /**
   * Kills all processes without a checkpoint: the next start does crash recovery (like a crash).
   */
  IMMEDIATE;

  String pgCtlName() {
    return name().toLowerCase();
  }
}
