package io.synod.store;

/**
 * A store operation that did not complete; {@link #kind()} says why, for callers that branch on it.
 */
public class StoreException extends RuntimeException {
  public enum Kind {
    /** No Raft leader could be found: fewer than a majority of the peers are reachable. */
    NO_QUORUM,
    /** A leader was found but did not answer in time; a write may or may not have been applied. */
    TIMEOUT,
    /** The store is not started or is shutting down. */
    CLOSED,
    /** The request was rejected (bad argument, or a Raft error that retrying will not fix). */
    REJECTED
  }

  private final Kind kind;

  public StoreException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
