package io.synod.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code log}: Synod's own logging.
 *
 * @param level Patroni's level names (DEBUG, INFO, WARNING, ERROR, CRITICAL...), upper-cased;
 *     default INFO
 * @param dir write log files there instead of stderr; null = stderr
 * @param format a log pattern for the plain format; null = Synod's default
 */
public record LogConfig(String level, Path dir, String format) {
  public static final String DEFAULT_LEVEL = "INFO";
  private static final List<String> LEVELS =
      List.of("trace", "debug", "info", "warn", "warning", "error", "fatal", "critical");

  public static LogConfig defaults() {
    return new LogConfig(DEFAULT_LEVEL, null, null);
  }

  /** The level as SLF4J/Logback spell it (WARNING -> WARN, FATAL/CRITICAL -> ERROR). */
  public String slf4jLevel() {
    return switch (level) {
      case "WARNING" -> "WARN";
      case "FATAL", "CRITICAL" -> "ERROR";
      default -> level;
    };
  }

  static LogConfig from(Section s) {
    String level = s.choice("level", LEVELS);
    Path dir = s.pathValue("dir");
    String format = null;
    Object f = s.map().get("format");
    if (f instanceof List) {
      // Patroni's json log type takes a list of fields; Synod only has the plain pattern.
      s.raw("format");
      s.warn("format", "a list (json log type) is not used by Synod; using the default format");
    } else {
      format = s.string("format", null);
    }
    // Python logging knobs without a Synod counterpart.
    s.accept(
        "type",
        "traceback_level",
        "dateformat",
        "static_fields",
        "max_queue_size",
        "mode",
        "file_num",
        "file_size",
        "loggers",
        "deduplicate_heartbeat_logs");
    s.finish();
    return new LogConfig(
        level == null ? DEFAULT_LEVEL : level.toUpperCase(Locale.ROOT), dir, format);
  }
}
