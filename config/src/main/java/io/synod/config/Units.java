package io.synod.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Size and duration strings as Patroni (and PostgreSQL) accept them: {@code "16MB"}, {@code
 * "64kB"}, {@code "30min"}, {@code "500ms"}. Sizes use PostgreSQL's 1024-based units.
 */
public final class Units {
  private static final Pattern VALUE =
      Pattern.compile("\\s*([-+]?[0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)\\s*");

  private Units() {}

  /**
   * Bytes from a plain number or a string with a unit: B, kB, MB, GB, TB (case-insensitive,
   * 1024-based, as PostgreSQL's memory units).
   *
   * @throws IllegalArgumentException if the text is not a size
   */
  public static long parseBytes(String text) {
    Matcher m = match(text, "a size");
    long mult =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "", "b" -> 1L;
          case "k", "kb" -> 1L << 10;
          case "m", "mb" -> 1L << 20;
          case "g", "gb" -> 1L << 30;
          case "t", "tb" -> 1L << 40;
          default ->
              throw new IllegalArgumentException(
                  "unknown size unit \"" + m.group(2) + "\" (use B, kB, MB, GB or TB)");
        };
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(mult));
    try {
      return bytes.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size \"" + text + "\" is too large");
    }
  }

  /**
   * Seconds from a plain number or a string with a unit: us, ms, s, min (or m), h, d.
   *
   * @throws IllegalArgumentException if the text is not a duration
   */
  public static double parseSeconds(String text) {
    Matcher m = match(text, "a duration");
    double factor =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "us" -> 1e-6;
          case "ms" -> 1e-3;
          case "", "s", "sec" -> 1;
          case "m", "min" -> 60;
          case "h" -> 3600;
          case "d" -> 86400;
          default ->
              throw new IllegalArgumentException(
                  "unknown time unit \"" + m.group(2) + "\" (use ms, s, min, h or d)");
        };
    return Double.parseDouble(m.group(1)) * factor;
  }

  private static Matcher match(String text, String what) {
    Matcher m = VALUE.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("\"" + text + "\" is not " + what);
    }
    return m;
  }
}
