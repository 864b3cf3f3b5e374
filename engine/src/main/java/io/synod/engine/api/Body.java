package io.synod.engine.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict JSON request bodies: an object, no duplicate or unknown keys, typed values; else 400
 * naming the problem.
 */
final class Body {
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Body() {}

  /**
   * An answer other than 200 decided while reading the request: 400 (bad body) or 422 (bad time)
   * mostly.
   */
  static final class Reject extends RuntimeException {
    final int status;

    Reject(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  static Reject bad(String message) {
    return new Reject(400, message);
  }

  /**
   * @param optional an empty body means {}
   * @param allowed the keys the endpoint knows; null: any key
   */
  static Map<String, Object> object(Request r, boolean optional, Set<String> allowed) {
    String text = r.body();
    if (text == null || text.isBlank()) {
      if (optional) {
        return new LinkedHashMap<>();
      }
      throw bad(r.method() + " " + r.path() + " needs a JSON object body");
    }
    Map<String, Object> m;
    try {
      if (!text.stripLeading().startsWith("{")) {
        throw bad("the body must be a JSON object ({...}), got: " + abbreviate(text));
      }
      m = STRICT.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw bad(
          "malformed JSON body: "
              + e.getOriginalMessage()
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    }
    if (m == null) {
      throw bad("the body must be a JSON object, got null");
    }
    if (!optional && m.isEmpty()) {
      throw bad(r.method() + " " + r.path() + " needs a non-empty JSON object body");
    }
    if (allowed != null) {
      for (String k : m.keySet()) {
        if (!allowed.contains(k)) {
          throw bad(
              "unknown field \""
                  + k
                  + "\""
                  + (allowed.isEmpty()
                      ? ": this endpoint takes no fields"
                      : " (known: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
        }
      }
    }
    return m;
  }

  /** A string field; null when absent or JSON null. */
  static String string(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw bad("field \"" + key + "\" must be a string, got " + describe(v));
    }
    return s;
  }

  /** Patroni's parse_bool: true/false, or the strings/numbers it accepts (yes, on, 1, ...). */
  static boolean bool(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
    return switch (s) {
      case "true", "yes", "on", "1", "y" -> true;
      case "false", "no", "off", "0", "n" -> false;
      default -> throw bad("field \"" + key + "\" must be a boolean, got " + describe(v));
    };
  }

  static String describe(Object v) {
    String type =
        v instanceof Map
            ? "an object"
            : v instanceof java.util.List
                ? "an array"
                : v instanceof Number
                    ? "a number"
                    : v instanceof Boolean ? "a boolean" : "a string";
    return type + " (" + abbreviate(String.valueOf(v)) + ")";
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() > 60 ? t.substring(0, 60) + "..." : t;
  }
}
