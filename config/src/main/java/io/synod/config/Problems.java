package io.synod.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Collects errors and warnings while a configuration is typed, so that all of them are reported at
 * once. Renders each one as {@code origin: dotted.path: message}, or as {@code PATRONI_VAR:
 * message} when the value at that path came from an environment variable (the variable is what the
 * operator has to fix).
 */
final class Problems {
  private final String origin;
  private final String prefix;
  private final Map<String, String> envSources;
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<Read> reads = new ArrayList<>();

  /** How the parser looked at a key. */
  enum ReadKind {
    /** Its value was read (typed, validated, kept). */
    VALUE,
    /** Accepted without reading its value (the registry's warning or refusal applies). */
    ACCEPTED
  }

  /**
   * One key the parser looked at, for ConfigKeysTest.
   *
   * @param keyPath the path as looked up in {@link ConfigKeys}
   * @param key the registry row found, or null when the key is in no state
   * @param present whether the key was set
   */
  record Read(String keyPath, ConfigKeys.Key key, ReadKind kind, boolean present) {}

  Problems(String origin, String prefix, Map<String, String> envSources) {
    this.origin = origin;
    this.prefix = prefix == null ? "" : prefix;
    this.envSources = envSources == null ? Map.of() : envSources;
  }

  Problems(String origin) {
    this(origin, "", Map.of());
  }

  String origin() {
    return origin;
  }

  /**
   * Where a problem at {@code path} is reported: the env variable that set it, else {@code origin:
   * full.path}.
   */
  String where(String path) {
    String full = join(prefix, path);
    String var = envVarFor(full);
    if (var != null) {
      return var;
    }
    return full.isEmpty() ? origin : origin + ": " + full;
  }

  /** Who set the value at {@code path}: its PATRONI_* variable, else the origin (file name). */
  String source(String path) {
    String var = envVarFor(join(prefix, path));
    return var != null ? var : origin;
  }

  /** The dotted path as the operator wrote it (prefix included), without the origin. */
  String fullPath(String path) {
    return join(prefix, path);
  }

  void recordRead(String keyPath, ConfigKeys.Key key, ReadKind kind, boolean present) {
    reads.add(new Read(keyPath, key, kind, present));
  }

  /** Every key looked at while typing, in order (ConfigKeysTest). */
  List<Read> reads() {
    return reads;
  }

  void error(String path, String message) {
    errors.add(where(path) + ": " + message);
  }

  void warn(String path, String message) {
    warnings.add(where(path) + ": " + message);
  }

  /** A problem that is already fully rendered (YAML syntax errors, unreadable files). */
  void errorLine(String line) {
    errors.add(line);
  }

  void warnLine(String line) {
    warnings.add(line);
  }

  void unknownKey(String path) {
    String full = join(prefix, path);
    String var = envVarFor(full);
    warnings.add((var != null ? var : origin) + ": unknown key " + full + " ignored");
  }

  void addAll(Collection<String> moreErrors, Collection<String> moreWarnings) {
    errors.addAll(moreErrors);
    warnings.addAll(moreWarnings);
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  List<String> errors() {
    return errors;
  }

  List<String> warnings() {
    return warnings;
  }

  void throwIfErrors() {
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
  }

  private String envVarFor(String full) {
    // Longest registered prefix wins: PATRONI_RAFT_PARTNER_ADDRS owns raft.partner_addrs[2] too.
    String best = null;
    int bestLen = -1;
    for (Map.Entry<String, String> e : envSources.entrySet()) {
      String p = e.getKey();
      boolean covers = full.equals(p) || full.startsWith(p + ".") || full.startsWith(p + "[");
      if (covers && p.length() > bestLen) {
        best = e.getValue();
        bestLen = p.length();
      }
    }
    return best;
  }

  static String join(String prefix, String path) {
    if (prefix == null || prefix.isEmpty()) {
      return path == null ? "" : path;
    }
    if (path == null || path.isEmpty()) {
      return prefix;
    }
    return path.startsWith("[") ? prefix + path : prefix + "." + path;
  }

  /** A value as shown in messages: strings quoted, numbers without a spurious ".0". */
  static String show(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof Double || v instanceof Float) {
      return num(((Number) v).doubleValue());
    }
    String s = String.valueOf(v);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  static String num(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return String.valueOf(d);
    }
    // Round away binary noise (0.1 + 2*0.2 = 0.5000000000000001) before printing.
    return new BigDecimal(Double.toString(d))
        .setScale(6, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** "a string", "a list", ... for "expected X, got Y" messages. */
  static String typeName(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger) {
      return "an integer";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof java.util.Date) {
      return "a timestamp";
    }
    if (v instanceof byte[]) {
      return "binary data";
    }
    return v.getClass().getSimpleName();
  }
}
