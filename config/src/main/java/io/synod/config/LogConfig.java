package io.synod.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code log}: Synod's own logging, with Patroni's keys (docs/yaml_configuration.rst "Log").
 *
 * @param type {@code plain} (default) or {@code json} (one JSON object per line)
 * @param level Patroni's level names (DEBUG, INFO, WARNING, ERROR, CRITICAL...), upper-cased;
 *     default INFO
 * @param tracebackLevel {@code ERROR} (default: stack traces shown) or {@code DEBUG} (stack traces
 *     only when the level is DEBUG; otherwise the exception's message is appended)
 * @param format a Python logging format; null = Synod's default (plain) or Patroni's default fields
 *     (json)
 * @param jsonFields for json: field name to JSON key, in order (from a format string, or a list
 *     whose mapping items rename); empty for plain
 * @param dateformat strftime format of asctime; null = {@code 2024-01-31 12:00:00,123}
 * @param staticFields fields added to every JSON line
 * @param dir write {@code synod.log} there, rotated; null = stderr
 * @param mode permissions of the log files (e.g. 0640 = 416); null = the process umask
 * @param fileNum rotated files kept besides the current one (Patroni: 4)
 * @param fileSize bytes that trigger a rotation (Patroni: 25000000)
 * @param loggers logger name (a Java logger such as {@code io.synod.engine.ha}) to level
 * @param levelSet whether {@code log.level} was written (else the runtime may pick its own default)
 */
public record LogConfig(
    String type,
    String level,
    String tracebackLevel,
    String format,
    Map<String, String> jsonFields,
    String dateformat,
    Map<String, Object> staticFields,
    Path dir,
    Integer mode,
    int fileNum,
    long fileSize,
    Map<String, String> loggers,
    boolean levelSet) {
  public static final String DEFAULT_LEVEL = "INFO";
  public static final int DEFAULT_FILE_NUM = 4;
  public static final long DEFAULT_FILE_SIZE = 25_000_000;

  private static final List<String> LEVELS =
      List.of("trace", "debug", "info", "warn", "warning", "error", "fatal", "critical");

  public LogConfig {
    type = type == null ? "plain" : type;
    level = level == null ? DEFAULT_LEVEL : level;
    tracebackLevel = tracebackLevel == null ? "ERROR" : tracebackLevel;
    jsonFields =
        jsonFields == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(jsonFields));
    staticFields = staticFields == null ? Map.of() : staticFields;
    loggers =
        loggers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(loggers));
  }

  public static LogConfig defaults() {
    return new LogConfig(
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        DEFAULT_FILE_NUM,
        DEFAULT_FILE_SIZE,
        null,
        false);
  }

  public boolean json() {
    return type.equals("json");
  }

  /** The level as SLF4J/Logback spell it (WARNING -> WARN, FATAL/CRITICAL -> ERROR). */
  public String slf4jLevel() {
    return slf4j(level);
  }

  /** Patroni level name to Logback's (WARNING -> WARN, FATAL/CRITICAL -> ERROR). */
  public static String slf4j(String level) {
    return switch (level.toUpperCase(Locale.ROOT)) {
      case "WARNING" -> "WARN";
      case "FATAL", "CRITICAL" -> "ERROR";
      default -> level.toUpperCase(Locale.ROOT);
    };
  }

  static LogConfig from(Section s) {
    String type = s.choice("type", List.of("plain", "json"));
    String level = s.choice("level", LEVELS);
    String traceback = s.choice("traceback_level", List.of("debug", "error"));
    String format = null;
    Map<String, String> fields = new LinkedHashMap<>();
    Object f = s.raw("format");
    if (f instanceof List<?> list) {
      if (!"json".equals(type)) {
        s.error("format", "a list of fields needs log.type: json");
      }
      for (int i = 0; i < list.size(); i++) {
        jsonField(s, "format[" + i + "]", list.get(i), fields);
      }
      if (list.isEmpty()) {
        s.error("format", "an empty list: name at least one field (e.g. message)");
      }
    } else if (f != null) {
      format = s.asString(s.path("format"), f);
      if (format != null) {
        try {
          for (String name : LogFormat.fieldNames(format)) {
            fields.put(name, name);
          }
        } catch (IllegalArgumentException e) {
          s.error("format", e.getMessage());
          format = null;
        }
      }
    }
    if ("json".equals(type) && fields.isEmpty()) {
      for (String name : LogFormat.fieldNames(LogFormat.PATRONI_DEFAULT)) {
        fields.put(name, name);
      }
    }
    String dateformat = s.string("dateformat", null);
    if (dateformat != null && dateformat.isEmpty()) {
      dateformat = null; // Patroni: an empty string means the default
    }
    if (dateformat != null) {
      try {
        java.time.format.DateTimeFormatter.ofPattern(LogFormat.strftimeToPattern(dateformat));
      } catch (IllegalArgumentException e) {
        s.error("dateformat", e.getMessage());
        dateformat = null;
      }
    }
    Map<String, Object> staticFields = s.mapValue("static_fields");
    if (staticFields != null && !"json".equals(type)) {
      s.warn("static_fields", "only used when log.type is json");
    }
    Path dir = s.pathValue("dir");
    Integer mode = mode(s);
    int fileNum = s.integer("file_num", DEFAULT_FILE_NUM);
    if (fileNum < 1) {
      s.error("file_num", fileNum + " is less than 1 (the number of rotated files to keep)");
    }
    Long size = s.bytes("file_size");
    long fileSize = size == null ? DEFAULT_FILE_SIZE : size;
    if (fileSize < 1) {
      s.error("file_size", fileSize + " is not a positive number of bytes");
    }
    Map<String, String> loggers = new LinkedHashMap<>();
    Map<String, Object> lg = s.mapValue("loggers");
    if (lg != null) {
      for (Map.Entry<String, Object> e : lg.entrySet()) {
        String where = "loggers." + e.getKey();
        Object v = e.getValue();
        if (v instanceof String lv && LEVELS.contains(lv.trim().toLowerCase(Locale.ROOT))) {
          loggers.put(e.getKey(), lv.trim().toUpperCase(Locale.ROOT));
          if (e.getKey().startsWith("patroni") || e.getKey().equals("urllib3")) {
            s.warn(
                where,
                "a Patroni (Python) logger name: Synod's loggers are Java names such as"
                    + " io.synod.engine.ha, io.synod.store, com.alipay.sofa");
          }
        } else {
          s.error(
              where,
              "expected one of " + String.join(", ", LEVELS) + ", got " + Section.describe(v));
        }
      }
    }
    s.accept("max_queue_size", "deduplicate_heartbeat_logs");
    s.finish();
    return new LogConfig(
        type,
        level == null ? null : level.toUpperCase(Locale.ROOT),
        traceback == null ? null : traceback.toUpperCase(Locale.ROOT),
        format,
        fields,
        dateformat,
        staticFields,
        dir,
        mode,
        fileNum,
        fileSize,
        loggers,
        level != null);
  }

  /** One item of a json format list: "message", or {asctime: "@timestamp"} (renames). */
  private static void jsonField(Section s, String where, Object item, Map<String, String> out) {
    if (item instanceof String name) {
      if (checkField(s, where, name)) {
        out.put(name, name);
      }
    } else if (item instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String name = String.valueOf(e.getKey());
        if (!(e.getValue() instanceof String renamed)) {
          s.error(where + "." + name, "the new field name must be a string");
        } else if (checkField(s, where, name)) {
          out.put(name, renamed);
        }
      }
    } else {
      s.error(where, "expected a field name or {field: new_name}, got " + Problems.typeName(item));
    }
  }

  private static boolean checkField(Section s, String where, String name) {
    if (LogFormat.FIELDS.contains(name)) {
      return true;
    }
    List<String> known = new ArrayList<>(LogFormat.FIELDS);
    known.sort(String.CASE_INSENSITIVE_ORDER);
    s.error(where, "unknown field " + name + " (Synod has: " + String.join(", ", known) + ")");
    return false;
  }

  /** 0640 in YAML 1.1 is the integer 416; "0640" as a string is read as octal too. */
  private static Integer mode(Section s) {
    Object v = s.raw("mode");
    if (v == null) {
      return null;
    }
    Integer m = null;
    if (v instanceof Integer i) {
      m = i;
    } else if (v instanceof String str && str.trim().matches("0?[0-7]{1,3}")) {
      m = Integer.parseInt(str.trim(), 8);
    }
    if (m == null || m < 0 || m > 0777) {
      s.error("mode", "expected file permissions such as 0640, got " + Section.describe(v));
      return null;
    }
    return m;
  }
}
