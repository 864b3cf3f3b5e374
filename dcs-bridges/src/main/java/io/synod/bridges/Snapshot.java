package io.synod.bridges;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.store.cluster.Keys;
import io.synod.store.kv.KvEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The keys the target must hold, read from the Raft store at one revision: Patroni's keys, values
 * verbatim, TTL'd keys marked, plus the legacy {@code optime/leader} derived from {@code status}.
 */
public record Snapshot(long revision, Map<String, MirrorEntry> entries) {
  public static final String LEGACY_OPTIME = "optime/leader";
  private static final ObjectMapper JSON = new ObjectMapper();

  public Snapshot {
    entries = Collections.unmodifiableMap(new TreeMap<>(entries));
  }

  /**
   * Builds the mirror image of the store entries under {@code keys.base()}; other keys are skipped.
   */
  public static Snapshot of(long revision, List<KvEntry> storeEntries, Keys keys) {
    Map<String, MirrorEntry> out = new TreeMap<>();
    for (KvEntry e : storeEntries) {
      String rel = keys.relative(e.key());
      if (rel == null || !isPatroniKey(rel) || rel.equals(LEGACY_OPTIME)) {
        continue;
      }
      out.put(rel, new MirrorEntry(rel, e.value(), Math.max(0, e.ttlMs())));
      if (rel.equals(Keys.STATUS)) {
        String optime = optimeOf(e.value());
        if (optime != null) {
          out.put(LEGACY_OPTIME, new MirrorEntry(LEGACY_OPTIME, optime, 0));
        }
      }
    }
    return new Snapshot(revision, out);
  }

  /**
   * Patroni's keys under the cluster prefix (patroni/dcs/__init__.py); anything else is not
   * mirrored.
   */
  public static boolean isPatroniKey(String rel) {
    return switch (rel) {
      case Keys.INITIALIZE,
          Keys.CONFIG,
          Keys.LEADER,
          Keys.STATUS,
          Keys.HISTORY,
          Keys.SYNC,
          Keys.FAILOVER,
          Keys.FAILSAFE,
          LEGACY_OPTIME ->
          true;
      default ->
          rel.startsWith(Keys.MEMBERS)
              && rel.length() > Keys.MEMBERS.length()
              && rel.indexOf('/', Keys.MEMBERS.length()) < 0;
    };
  }

  static String optimeOf(String statusJson) {
    try {
      JsonNode n = JSON.readTree(statusJson);
      JsonNode o = n == null ? null : n.get("optime");
      return o != null && o.isIntegralNumber() ? o.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The changes that turn {@code from} into {@code to}: a put per new or changed key, a delete per
   * removed one.
   */
  public static List<Change> diff(Snapshot from, Snapshot to) {
    List<Change> out = new ArrayList<>();
    for (MirrorEntry e : to.entries.values()) {
      MirrorEntry old = from.entries.get(e.key());
      if (old == null
          || !Objects.equals(old.value(), e.value())
          || old.ephemeral() != e.ephemeral()) {
        out.add(new Change(e.key(), e));
      }
    }
    for (String k : from.entries.keySet()) {
      if (!to.entries.containsKey(k)) {
        out.add(new Change(k, null));
      }
    }
    return out;
  }

  /** One key to change: {@code entry} null means delete. */
  public record Change(String key, MirrorEntry entry) {}
}
