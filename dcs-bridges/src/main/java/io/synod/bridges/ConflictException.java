package io.synod.bridges;

/** A compare-and-set in the target failed: someone else changed the key; the mirror resyncs. */
public final class ConflictException extends Exception {
  public ConflictException(String message) {
    super(message);
  }
}
