package io.synod.config;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Typed, lenient reads from one mapping of the parsed YAML. Every read remembers the key, so {@link
 * #finish()} can report keys nobody asked for as unknown. Type problems are recorded (not thrown)
 * and the default is returned, so one run reports every problem.
 *
 * <p>Lenient like Patroni: numbers and booleans are also accepted as strings, because values that
 * come from {@code PATRONI_*} variables are always strings.
 */
final class Section {
  private final Problems problems;
  private final String path;
  private final Map<String, Object> map;
  private final Set<String> seen = new HashSet<>();
  private final Set<String> enforced = new HashSet<>();
  private final boolean present;

  /**
   * Path of this section in {@link ConfigKeys} ("" at the root, "bootstrap.dcs" for a dynamic
   * configuration wherever it came from); null for a free-form section whose keys are not looked up
   * (a custom method's options).
   */
  private final String keyPath;

  Section(Problems problems, String path, Map<String, Object> map) {
    this(problems, path, map, path);
  }

  Section(Problems problems, String path, Map<String, Object> map, String keyPath) {
    this.problems = problems;
    this.path = path;
    this.present = map != null;
    this.map = map == null ? Map.of() : map;
    this.keyPath = keyPath;
  }

  Problems problems() {
    return problems;
  }

  /** True if the section was written in the config at all (even as an empty mapping). */
  boolean present() {
    return present;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return Problems.join(path, key);
  }

  Map<String, Object> map() {
    return map;
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  /** Reads a value: the key counts as read, and its {@link ConfigKeys} state is applied. */
  Object raw(String key) {
    read(key, Problems.ReadKind.VALUE);
    return map.get(key);
  }

  /** Path of a key of this section in {@link ConfigKeys}; null in a free-form section. */
  String keyPath(String key) {
    return keyPath == null ? null : keyPath.isEmpty() ? key : keyPath + "." + key;
  }

  private void read(String key, Problems.ReadKind kind) {
    seen.add(key);
    String kp = keyPath(key);
    if (kp == null) {
      return;
    }
    ConfigKeys.Key k = ConfigKeys.lookup(kp);
    problems.recordRead(kp, k, kind, map.get(key) != null);
    Object v = map.get(key);
    if (k == null || v == null || !enforced.add(key)) {
      return;
    }
    switch (k.state()) {
      case REFUSED -> {
        if (!k.quietFor(v)) {
          problems.error(path(key), k.refusal());
        }
      }
      case WARNED -> {
        if (!k.quietFor(v)) {
          problems.warnLine(
              problems.source(path(key)) + ": " + k.warning(problems.fullPath(path(key))));
        }
      }
      case HONOURED -> {}
    }
  }

  void error(String key, String message) {
    problems.error(path(key), message);
  }

  void warn(String key, String message) {
    problems.warn(path(key), message);
  }

  /** A nested mapping; its own keys are looked up in {@link ConfigKeys} one by one. */
  Section section(String key) {
    seen.add(key);
    Object v = map.get(key);
    if (v == null) {
      return new Section(problems, path(key), null, keyPath(key));
    }
    if (v instanceof Map<?, ?> m) {
      return new Section(problems, path(key), cast(m), keyPath(key));
    }
    typeError(key, "a mapping", v);
    return new Section(problems, path(key), null, keyPath(key));
  }

  /**
   * A nested mapping that is one entry of {@link ConfigKeys} as a whole (a custom method's section:
   * command plus free-form options): the key is read as a value, its keys are not looked up.
   */
  Section opaqueSection(String key) {
    Object v = raw(key);
    if (v instanceof Map<?, ?> m) {
      return new Section(problems, path(key), cast(m), null);
    }
    if (v != null) {
      typeError(key, "a mapping", v);
    }
    return new Section(problems, path(key), null, null);
  }

  String string(String key, String def) {
    Object v = raw(key);
    if (v == null) {
      return def;
    }
    String s = asString(path(key), v);
    return s == null ? def : s;
  }

  String requiredString(String key) {
    Object v = raw(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      error(key, "required");
      return null;
    }
    return asString(path(key), v);
  }

  Path pathValue(String key) {
    String s = string(key, null);
    return s == null || s.isBlank() ? null : Path.of(s);
  }

  boolean bool(String key, boolean def) {
    Boolean b = optionalBool(key);
    return b == null ? def : b;
  }

  Boolean optionalBool(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    Boolean b = parseBool(v);
    if (b == null) {
      problems.error(path(key), "expected a boolean, got " + describe(v));
    }
    return b;
  }

  /**
   * Booleans where a string would be silently truthy in Patroni (tags): only a real YAML boolean.
   */
  Boolean strictBool(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    problems.error(path(key), "expected a boolean (true or false), got " + describe(v));
    return null;
  }

  int integer(String key, int def) {
    Integer i = optionalInteger(key);
    return i == null ? def : i;
  }

  Integer optionalInteger(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    Long l = parseLong(v);
    if (l == null || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      problems.error(path(key), "expected an integer, got " + describe(v));
      return null;
    }
    return l.intValue();
  }

  /** Seconds, fractional allowed; also "500ms", "30min". */
  Double seconds(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && !(v instanceof BigInteger)) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      try {
        return Units.parseSeconds(s);
      } catch (IllegalArgumentException e) {
        // fall through to the type error
      }
    }
    problems.error(
        path(key), "expected a number of seconds (e.g. 2.5 or \"500ms\"), got " + describe(v));
    return null;
  }

  /** Bytes; also "16MB", "64kB". */
  Long bytes(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    Long l = parseLong(v);
    if (l != null) {
      return l;
    }
    if (v instanceof String s) {
      try {
        return Units.parseBytes(s);
      } catch (IllegalArgumentException e) {
        problems.error(
            path(key),
            "expected a size in bytes (e.g. 1048576 or \"16MB\"), got "
                + describe(v)
                + ": "
                + e.getMessage());
        return null;
      }
    }
    problems.error(
        path(key), "expected a size in bytes (e.g. 1048576 or \"16MB\"), got " + describe(v));
    return null;
  }

  /** A list of strings; null if absent or wrong. */
  List<String> stringList(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof List<?> list)) {
      typeError(key, "a list", v);
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String s = asString(path(key) + "[" + i + "]", list.get(i));
      if (s != null) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  List<Object> list(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    typeError(key, "a list", v);
    return null;
  }

  /** A mapping as a (deep-copied, unmodifiable) map; null if absent or wrong. */
  Map<String, Object> mapValue(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Map<?, ?> m) {
      return Maps.immutableCopy(cast(m));
    }
    typeError(key, "a mapping", v);
    return null;
  }

  /** A mapping whose values must be scalars, e.g. HTTP headers. */
  Map<String, String> stringMap(String key) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      typeError(key, "a mapping", v);
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      String s = asString(path(key) + "." + e.getKey(), e.getValue());
      if (s != null) {
        out.put(String.valueOf(e.getKey()), s);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Parses an address already read from {@code key}; records the problem and returns null when
   * invalid.
   *
   * @param listen bind address: an empty host or wildcard is fine; otherwise the address must be
   *     connectable
   */
  HostPort hostPort(String key, String text, Integer defaultPort, boolean listen) {
    if (text == null) {
      return null;
    }
    try {
      HostPort hp = HostPort.parse(text, defaultPort, listen);
      if (!listen && hp.isWildcard()) {
        error(
            key,
            Problems.show(text) + " is a wildcard address; other members cannot connect to it");
        return null;
      }
      return hp;
    } catch (IllegalArgumentException e) {
      error(key, e.getMessage());
      return null;
    }
  }

  /**
   * A lower-case word from a fixed set (verify_client, log level...); null if absent or invalid.
   */
  String choice(String key, List<String> allowed) {
    Object v = raw(key);
    if (v == null) {
      return null;
    }
    if (v instanceof String s && allowed.contains(s.trim().toLowerCase(Locale.ROOT))) {
      return s.trim().toLowerCase(Locale.ROOT);
    }
    problems.error(
        path(key), "expected one of " + String.join(", ", allowed) + ", got " + describe(v));
    return null;
  }

  /**
   * Patroni keys this code accepts without reading a value: what happens when one is set is its
   * {@link ConfigKeys} state (a warning "not used by Synod: KEY (why)", or an error for a refused
   * key). Such keys must be warned or refused in the registry; ConfigKeysTest checks it.
   */
  void accept(String... keys) {
    for (String k : keys) {
      read(k, Problems.ReadKind.ACCEPTED);
    }
  }

  /** Same as {@link #accept}: kept for callers that read better with this name. */
  void notUsed(String... keys) {
    accept(keys);
  }

  /** Keys present but never read, in file order. */
  List<String> unseenKeys() {
    List<String> out = new ArrayList<>();
    for (String k : map.keySet()) {
      if (!seen.contains(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** Warns about every key nobody read. */
  void finish() {
    for (String k : unseenKeys()) {
      problems.unknownKey(path(k));
    }
  }

  // --- conversions ---

  String asString(String fullPath, Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
      return v.toString();
    }
    if (v instanceof Double d) {
      return Problems.num(d);
    }
    String hint =
        v instanceof Boolean ? " (YAML reads yes/no/on/off as booleans: quote the value)" : "";
    problems.error(fullPath, "expected a string, got " + Problems.typeName(v) + hint);
    return null;
  }

  private void typeError(String key, String expected, Object v) {
    problems.error(path(key), "expected " + expected + ", got " + Problems.typeName(v));
  }

  static String describe(Object v) {
    if (v instanceof String || v instanceof Number || v instanceof Boolean) {
      return Problems.show(v);
    }
    return Problems.typeName(v);
  }

  /** Patroni's parse_bool: on/off, true/false, yes/no, 1/0, case-insensitive. */
  static Boolean parseBool(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Integer i && (i == 0 || i == 1)) {
      return i == 1;
    }
    if (v instanceof String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "on", "true", "yes", "1" -> Boolean.TRUE;
        case "off", "false", "no", "0" -> Boolean.FALSE;
        default -> null;
      };
    }
    return null;
  }

  static Long parseLong(Object v) {
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() < 64 ? b.longValue() : null;
    }
    if (v instanceof Double d) {
      return d == Math.rint(d) && Math.abs(d) < 9e15 ? d.longValue() : null;
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
