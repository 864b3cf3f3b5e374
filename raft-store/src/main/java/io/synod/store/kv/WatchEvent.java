package io.synod.store.kv;

/** A change seen by the state machine, as delivered to local watchers. */
public record WatchEvent(Type type, String key, KvEntry entry, long revision) {
  public enum Type {
    PUT,
    DELETE,
    EXPIRE,
    RESET
  }
}
