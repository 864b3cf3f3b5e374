package io.synod.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Patroni's {@code log.format} (a Python logging format, {@code "%(asctime)s %(levelname)s:
 * %(message)s"}) and {@code log.dateformat} (strftime), parsed so the engine can render them and
 * the loader can reject what it cannot render.
 */
public final class LogFormat {
  /** Patroni's default format. */
  public static final String PATRONI_DEFAULT = "%(asctime)s %(levelname)s: %(message)s";

  /** The Python LogRecord attributes Synod can fill. */
  public static final Set<String> FIELDS =
      Set.of(
          "asctime",
          "created",
          "relativeCreated",
          "msecs",
          "levelname",
          "levelno",
          "message",
          "name",
          "module",
          "filename",
          "pathname",
          "funcName",
          "lineno",
          "process",
          "processName",
          "threadName");

  /** A piece of a format: literal text, or a field with Python's conversion spec. */
  public sealed interface Part permits Literal, Field {}

  public record Literal(String text) implements Part {}

  /**
   * {@code %(name)<flags><width>.<precision><conversion>}.
   *
   * @param leftAlign the {@code -} flag
   * @param width minimum width, 0 = none
   * @param precision -1 = none (digits after the point for f, maximum length for s)
   * @param conversion s, r, a, d, i, f, F, e, E, g, G, x, X, o, c
   */
  public record Field(
      String name, boolean leftAlign, boolean zeroPad, int width, int precision, char conversion)
      implements Part {}

  private LogFormat() {}

  /**
   * Parses a Python %-style logging format.
   *
   * @throws IllegalArgumentException naming the problem (unknown field, bad conversion)
   */
  public static List<Part> parse(String format) {
    List<Part> out = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int i = 0;
    int n = format.length();
    while (i < n) {
      char c = format.charAt(i);
      if (c != '%') {
        lit.append(c);
        i++;
        continue;
      }
      if (i + 1 < n && format.charAt(i + 1) == '%') {
        lit.append('%');
        i += 2;
        continue;
      }
      if (i + 1 >= n || format.charAt(i + 1) != '(') {
        throw new IllegalArgumentException(
            "\"%\" at position " + i + " must start %(field)s (write %% for a literal %)");
      }
      int close = format.indexOf(')', i + 2);
      if (close < 0) {
        throw new IllegalArgumentException("unclosed %( at position " + i);
      }
      String name = format.substring(i + 2, close);
      if (!FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            "unknown field " + name + " (Synod has: " + String.join(", ", sorted()) + ")");
      }
      int j = close + 1;
      boolean left = false;
      boolean zero = false;
      while (j < n && "#0- +".indexOf(format.charAt(j)) >= 0) {
        left |= format.charAt(j) == '-';
        zero |= format.charAt(j) == '0';
        j++;
      }
      int width = 0;
      while (j < n && Character.isDigit(format.charAt(j))) {
        width = width * 10 + (format.charAt(j) - '0');
        j++;
      }
      int precision = -1;
      if (j < n && format.charAt(j) == '.') {
        j++;
        precision = 0;
        while (j < n && Character.isDigit(format.charAt(j))) {
          precision = precision * 10 + (format.charAt(j) - '0');
          j++;
        }
      }
      while (j < n && "hlL".indexOf(format.charAt(j)) >= 0) {
        j++;
      }
      if (j >= n || "sradifFeEgGxXoc".indexOf(format.charAt(j)) < 0) {
        throw new IllegalArgumentException(
            "%(" + name + ") needs a conversion such as s, d or f at position " + j);
      }
      if (lit.length() > 0) {
        out.add(new Literal(lit.toString()));
        lit.setLength(0);
      }
      out.add(new Field(name, left, zero, width, precision, format.charAt(j)));
      i = j + 1;
    }
    if (lit.length() > 0) {
      out.add(new Literal(lit.toString()));
    }
    return List.copyOf(out);
  }

  /** The field names of a format, in order (the JSON keys when log.type is json). */
  public static List<String> fieldNames(String format) {
    List<String> names = new ArrayList<>();
    for (Part p : parse(format)) {
      if (p instanceof Field f && !names.contains(f.name())) {
        names.add(f.name());
      }
    }
    return names;
  }

  /**
   * A strftime format (Python's time.strftime) as a {@link java.time.format.DateTimeFormatter}
   * pattern.
   *
   * @throws IllegalArgumentException for a directive with no Java counterpart
   */
  public static String strftimeToPattern(String strftime) {
    StringBuilder out = new StringBuilder();
    StringBuilder lit = new StringBuilder();
    for (int i = 0; i < strftime.length(); i++) {
      char c = strftime.charAt(i);
      if (c != '%') {
        lit.append(c);
        continue;
      }
      if (i + 1 >= strftime.length()) {
        throw new IllegalArgumentException("trailing % in date format");
      }
      char d = strftime.charAt(++i);
      String p =
          switch (d) {
            case 'Y' -> "yyyy";
            case 'y' -> "yy";
            case 'm' -> "MM";
            case 'd' -> "dd";
            case 'e' -> "ppd";
            case 'H' -> "HH";
            case 'I' -> "hh";
            case 'M' -> "mm";
            case 'S' -> "ss";
            case 'f' -> "SSSSSS";
            case 'p' -> "a";
            case 'b', 'h' -> "MMM";
            case 'B' -> "MMMM";
            case 'a' -> "EEE";
            case 'A' -> "EEEE";
            case 'j' -> "DDD";
            case 'z' -> "xx";
            case 'Z' -> "zzz";
            case 'F' -> "yyyy-MM-dd";
            case 'T' -> "HH:mm:ss";
            case '%' -> null;
            default ->
                throw new IllegalArgumentException(
                    "date format directive %" + d + " is not supported by Synod");
          };
      if (p == null) {
        lit.append('%');
        continue;
      }
      flushLiteral(out, lit);
      out.append(p);
    }
    flushLiteral(out, lit);
    return out.toString();
  }

  private static void flushLiteral(StringBuilder out, StringBuilder lit) {
    if (lit.length() == 0) {
      return;
    }
    out.append('\'').append(lit.toString().replace("'", "''")).append('\'');
    lit.setLength(0);
  }

  private static List<String> sorted() {
    List<String> l = new ArrayList<>(FIELDS);
    l.sort(String.CASE_INSENSITIVE_ORDER);
    return l;
  }
}
