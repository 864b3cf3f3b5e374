package io.synod.bridges;

/**
 * The target forgot this writer's lease or session, and with it the TTL'd keys: the mirror resyncs.
 */
public final class SessionLostException extends Exception {
  public SessionLostException(String message) {
    super(message);
  }
}
