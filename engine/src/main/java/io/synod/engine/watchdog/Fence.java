package io.synod.engine.watchdog;

/**
 * Stops the local primary on its own clock when the engine stops vouching for its lease. The
 * leadership code arms it before PostgreSQL can take writes as primary and pings it after every
 * renewal with the time the lease is still safe.
 */
public interface Fence {
  /**
   * Starts watching with {@code safeMs} of lease left (a ping when already armed). False when the
   * fence could not be started: the primary would run unfenced.
   */
  boolean arm(long safeMs);

  /** After a successful renewal: the primary is safe for {@code safeMs} more. */
  void ping(long safeMs);

  /** Stop watching without touching PostgreSQL (demoted, stepped down, paused, shut down). */
  void disarm();

  boolean armed();

  /** A fence that does nothing: {@code watchdog.mode: off}. */
  Fence NONE =
      new Fence() {
        @Override
        public boolean arm(long safeMs) {
          return true;
        }

        @Override
        public void ping(long safeMs) {}

        @Override
        public void disarm() {}

        @Override
        public boolean armed() {
          return false;
        }
      };
}
