package io.synod.store.kv;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The replicated key space: a pure function of the commands applied to it, in log order. No clocks
 * and no I/O here, so every replica reaches the same state and it can be unit-tested. Readers may
 * run concurrently with the single applying thread (concurrent map, volatile index).
 */
public final class KvState {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConcurrentSkipListMap<String, KvEntry> entries = new ConcurrentSkipListMap<>();
  private volatile long appliedIndex;

  /** Applies one command at log index {@code index}; {@code events} receives what changed. */
  public CommandResult apply(Command c, long index, List<WatchEvent> events) {
    appliedIndex = index;
    KvEntry current = entries.get(c.key());
    switch (c.op()) {
      case PUT -> {
        if (!c.expect().holds(current)) {
          return new CommandResult(false, current, index);
        }
        long created = current == null ? index : current.createRevision();
        KvEntry next =
            new KvEntry(c.key(), c.value(), created, index, Math.max(0, c.ttlMs()), c.owner());
        entries.put(c.key(), next);
        events.add(new WatchEvent(WatchEvent.Type.PUT, c.key(), next, index));
        return new CommandResult(true, next, index);
      }
      case DELETE -> {
        if (current == null || !c.expect().holds(current)) {
          return new CommandResult(false, current, index);
        }
        entries.remove(c.key());
        events.add(new WatchEvent(WatchEvent.Type.DELETE, c.key(), null, index));
        return new CommandResult(true, null, index);
      }
      case DELETE_PREFIX -> {
        List<String> keys = new ArrayList<>(prefix(c.key()).keySet());
        for (String k : keys) {
          entries.remove(k);
          events.add(new WatchEvent(WatchEvent.Type.DELETE, k, null, index));
        }
        return new CommandResult(!keys.isEmpty(), null, index);
      }
      case EXPIRE -> {
        // A renewal that raced the expiry proposal moved modRevision on: the renewal wins.
        if (current == null || current.modRevision() != c.expireRevision()) {
          return new CommandResult(false, current, index);
        }
        entries.remove(c.key());
        events.add(new WatchEvent(WatchEvent.Type.EXPIRE, c.key(), null, index));
        return new CommandResult(true, null, index);
      }
      default -> throw new IllegalStateException("unknown op " + c.op());
    }
  }

  /**
   * Marks a log index as applied when the entry carried no command of ours (e.g. a config change).
   */
  public void skip(long index) {
    appliedIndex = index;
  }

  public KvEntry get(String key) {
    return entries.get(key);
  }

  public List<KvEntry> list(String prefix) {
    return new ArrayList<>(prefix(prefix).values());
  }

  public Collection<KvEntry> leased() {
    return entries.values().stream().filter(KvEntry::hasLease).toList();
  }

  public long appliedIndex() {
    return appliedIndex;
  }

  public int size() {
    return entries.size();
  }

  private NavigableMap<String, KvEntry> prefix(String prefix) {
    if (prefix.isEmpty()) {
      return entries;
    }
    return entries.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
  }

  // --- snapshots ---------------------------------------------------------------------------

  private record Image(long appliedIndex, List<KvEntry> entries) {}

  public byte[] toSnapshot() {
    try {
      return JSON.writeValueAsBytes(new Image(appliedIndex, new ArrayList<>(entries.values())));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode snapshot", e);
    }
  }

  /** Replaces the whole state; throws on a corrupt image and then leaves the state untouched. */
  public void loadSnapshot(byte[] data) throws IOException {
    Image image = JSON.readValue(data, new TypeReference<Image>() {});
    if (image.entries() == null) {
      throw new IOException("snapshot has no entries list");
    }
    Map<String, KvEntry> fresh = new java.util.HashMap<>();
    for (KvEntry e : image.entries()) {
      if (e == null || e.key() == null || e.value() == null) {
        throw new IOException("snapshot has an entry without key or value");
      }
      fresh.put(e.key(), e);
    }
    entries.clear();
    entries.putAll(fresh);
    appliedIndex = image.appliedIndex();
  }
}
