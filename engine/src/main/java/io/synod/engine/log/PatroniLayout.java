package io.synod.engine.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.LogConfig;
import io.synod.config.LogFormat;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One log line per event, as Patroni's {@code log} section asks: plain text in a Python {@code
 * %(field)s} format, or a JSON object per line with the chosen fields (renamed as asked) plus
 * {@code static_fields}. Without {@code log.format}, plain lines look as Synod's always did: {@code
 * 2024-01-31 12:00:00.123 INFO HaLoop: message}.
 *
 * <p>{@code traceback_level: DEBUG} shows a stack trace only when the event's logger is at DEBUG;
 * otherwise the exception's message is appended ({@code , DETAIL: '...'}), as Patroni does.
 */
final class PatroniLayout extends LayoutBase<ILoggingEvent> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SYNOD_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

  /** Python logging's default asctime: {@code 2024-01-31 12:00:00,123}. */
  private static final DateTimeFormatter PYTHON_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS").withZone(ZoneId.systemDefault());

  private static final long START = ManagementFactory.getRuntimeMXBean().getStartTime();
  private static final long PID = ProcessHandle.current().pid();

  private final boolean json;
  private final List<LogFormat.Part> parts;
  private final Map<String, String> jsonFields;
  private final Map<String, Object> staticFields;
  private final DateTimeFormatter dateFormat;
  private final boolean tracebackOnlyAtDebug;
  private final boolean needsCaller;

  PatroniLayout(LogConfig c) {
    json = c.json();
    parts = c.format() == null || json ? null : LogFormat.parse(c.format());
    jsonFields = c.jsonFields();
    staticFields = c.staticFields();
    dateFormat =
        c.dateformat() == null
            ? (parts == null && !json ? SYNOD_TIME : PYTHON_TIME)
            : DateTimeFormatter.ofPattern(LogFormat.strftimeToPattern(c.dateformat()), Locale.ROOT)
                .withZone(ZoneId.systemDefault());
    tracebackOnlyAtDebug = c.tracebackLevel().equals("DEBUG");
    List<String> used =
        json
            ? List.copyOf(jsonFields.keySet())
            : parts == null ? List.of() : LogFormat.fieldNames(c.format());
    needsCaller =
        used.stream()
            .anyMatch(f -> List.of("filename", "pathname", "funcName", "lineno").contains(f));
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    IThrowableProxy t = e.getThrowableProxy();
    boolean fullTrace = t != null && (!tracebackOnlyAtDebug || debugEnabled(e));
    String message = e.getFormattedMessage();
    if (t != null && !fullTrace) {
      message = message + ", DETAIL: '" + t.getMessage() + "'";
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, String> f : jsonFields.entrySet()) {
        m.put(f.getValue(), field(f.getKey(), e, message));
      }
      m.putAll(staticFields);
      if (fullTrace) {
        m.put("exc_info", ThrowableProxyUtil.asString(t));
      }
      try {
        return JSON.writeValueAsString(m) + CoreConstants.LINE_SEPARATOR;
      } catch (JsonProcessingException ex) {
        return "{\"message\": \"cannot write a log line as JSON\"}" + CoreConstants.LINE_SEPARATOR;
      }
    }
    StringBuilder sb = new StringBuilder(128);
    if (parts == null) {
      sb.append(dateFormat.format(Instant.ofEpochMilli(e.getTimeStamp())))
          .append(' ')
          .append(String.format("%-5s", e.getLevel()))
          .append(' ')
          .append(module(e.getLoggerName()))
          .append(": ")
          .append(message);
    } else {
      for (LogFormat.Part p : parts) {
        if (p instanceof LogFormat.Literal l) {
          sb.append(l.text());
        } else if (p instanceof LogFormat.Field f) {
          sb.append(render(f, field(f.name(), e, message)));
        }
      }
    }
    sb.append(CoreConstants.LINE_SEPARATOR);
    if (fullTrace) {
      sb.append(ThrowableProxyUtil.asString(t)).append(CoreConstants.LINE_SEPARATOR);
    }
    return sb.toString();
  }

  private boolean debugEnabled(ILoggingEvent e) {
    return getContext() instanceof LoggerContext lc
        && lc.getLogger(e.getLoggerName()).isDebugEnabled();
  }

  /** A LogRecord attribute of Python's logging, as far as Java has it. */
  private Object field(String name, ILoggingEvent e, String message) {
    long ts = e.getTimeStamp();
    return switch (name) {
      case "asctime" -> dateFormat.format(Instant.ofEpochMilli(ts));
      case "created" -> ts / 1000.0;
      case "msecs" -> (double) (ts % 1000);
      case "relativeCreated" -> (double) (ts - START);
      case "levelname" -> pythonLevel(e.getLevel());
      case "levelno" -> levelNo(e.getLevel());
      case "message" -> message;
      case "name" -> e.getLoggerName();
      case "module" -> module(e.getLoggerName());
      case "process" -> PID;
      case "processName" -> "synod";
      case "threadName" -> e.getThreadName();
      case "filename", "pathname", "funcName", "lineno" -> caller(name, e);
      default -> null;
    };
  }

  private Object caller(String name, ILoggingEvent e) {
    StackTraceElement[] cd = needsCaller ? e.getCallerData() : null;
    if (cd == null || cd.length == 0) {
      return name.equals("lineno") ? 0 : "?";
    }
    StackTraceElement s = cd[0];
    return switch (name) {
      case "filename" -> s.getFileName();
      case "pathname" -> s.getClassName().replace('.', '/') + ".java";
      case "funcName" -> s.getMethodName();
      default -> s.getLineNumber();
    };
  }

  /** Python's %-conversion of one field. */
  static String render(LogFormat.Field f, Object v) {
    char c = f.conversion();
    String flags = (f.leftAlign() ? "-" : "") + (f.zeroPad() && !f.leftAlign() ? "0" : "");
    String width = f.width() > 0 ? Integer.toString(f.width()) : "";
    switch (c) {
      case 'd', 'i' -> {
        long n = v instanceof Number num ? num.longValue() : 0;
        return String.format(Locale.ROOT, "%" + flags + width + "d", n);
      }
      case 'f', 'F', 'e', 'E', 'g', 'G' -> {
        double d = v instanceof Number num ? num.doubleValue() : 0;
        String prec = "." + (f.precision() >= 0 ? f.precision() : 6);
        return String.format(
            Locale.ROOT, "%" + flags + width + prec + Character.toLowerCase(c == 'F' ? 'f' : c), d);
      }
      case 'x', 'X', 'o' -> {
        long n = v instanceof Number num ? num.longValue() : 0;
        return String.format(Locale.ROOT, "%" + flags + width + c, n);
      }
      default -> {
        String s = String.valueOf(v);
        if (c == 'r' || c == 'a') {
          s = "'" + s + "'";
        }
        if (f.precision() >= 0 && s.length() > f.precision()) {
          s = s.substring(0, f.precision());
        }
        if (s.length() >= f.width()) {
          return s;
        }
        String pad = " ".repeat(f.width() - s.length());
        return f.leftAlign() ? s + pad : pad + s;
      }
    }
  }

  static String pythonLevel(Level l) {
    return switch (l.levelInt) {
      case Level.WARN_INT -> "WARNING";
      default -> l.levelStr;
    };
  }

  static int levelNo(Level l) {
    return switch (l.levelInt) {
      case Level.TRACE_INT -> 5;
      case Level.DEBUG_INT -> 10;
      case Level.INFO_INT -> 20;
      case Level.WARN_INT -> 30;
      default -> 40;
    };
  }

  static String module(String logger) {
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }
}
