package io.synod.store.kv;

/**
 * What applying a command did.
 *
 * @param succeeded false when the Expect condition did not hold (nothing changed)
 * @param current the key after the command (or, on a failed CAS, as it is now); null when absent
 * @param revision the log index the command was applied at
 */
public record CommandResult(boolean succeeded, KvEntry current, long revision) {}
