package io.synod.engine.postgres;

/**
 * A PostgreSQL action failed; the message names the command and carries the tail of its stderr or
 * log.
 */
public class PgException extends RuntimeException {
  public PgException(String message) {
    super(message);
  }

  public PgException(String message, Throwable cause) {
    super(message, cause);
  }
}
