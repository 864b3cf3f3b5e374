package io.synod.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep copies and merge-patching of the plain maps/lists SnakeYAML and Jackson produce. Public: the
 * REST API (PATCH /config) and synodctl edit-config merge the same way the loader and
 * DynamicConfig.merge do.
 */
public final class Maps {
  private Maps() {}

  /** A mutable deep copy (LinkedHashMap/ArrayList keep file order; nulls are kept). */
  public static Map<String, Object> mutableCopy(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put(String.valueOf(e.getKey()), mutableValue(e.getValue()));
    }
    return out;
  }

  static Object mutableValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return mutableCopy(m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(mutableValue(o));
      }
      return out;
    }
    return v;
  }

  /**
   * A deep, unmodifiable copy. Not Map.copyOf: YAML maps may hold nulls and their order matters to
   * readers.
   */
  static Map<String, Object> immutableCopy(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put(String.valueOf(e.getKey()), immutableValue(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  static List<Object> immutableList(List<?> l) {
    List<Object> out = new ArrayList<>(l.size());
    for (Object o : l) {
      out.add(immutableValue(o));
    }
    return Collections.unmodifiableList(out);
  }

  static Object immutableValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return immutableCopy(m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(immutableValue(o));
      }
      return Collections.unmodifiableList(out);
    }
    return v;
  }

  /**
   * RFC 7386 JSON merge patch (also Patroni's patch_config): a null value deletes the key, a
   * mapping merges into a mapping, anything else (lists included) replaces. Mutates and returns
   * {@code target}.
   */
  public static Map<String, Object> mergePatch(Map<String, Object> target, Map<?, ?> patch) {
    for (Map.Entry<?, ?> e : patch.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object value = e.getValue();
      if (value == null) {
        target.remove(key);
      } else if (value instanceof Map<?, ?> pm && target.get(key) instanceof Map<?, ?> tm) {
        Map<String, Object> merged = mutableCopy(tm);
        target.put(key, mergePatch(merged, pm));
      } else if (value instanceof Map<?, ?> pm) {
        // Nulls inside a new subtree mean "absent" too.
        target.put(key, mergePatch(new LinkedHashMap<>(), pm));
      } else {
        target.put(key, mutableValue(value));
      }
    }
    return target;
  }
}
