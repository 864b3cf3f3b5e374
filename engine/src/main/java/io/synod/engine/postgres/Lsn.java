package io.synod.engine.postgres;

/**
 * PostgreSQL WAL positions ("pg_lsn"): the text form {@code X/Y} is two hex halves of one 64-bit
 * byte position. Position 0 ({@code 0/0}) is PostgreSQL's InvalidXLogRecPtr; {@link PgState} uses
 * it for "unknown".
 */
public final class Lsn {
  private Lsn() {}

  /** Parses {@code "0/3000060"} into a byte position; null or blank gives 0. */
  public static long parse(String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    String s = text.trim();
    int slash = s.indexOf('/');
    if (slash <= 0 || slash == s.length() - 1) {
      throw new IllegalArgumentException("not an LSN: " + text);
    }
    try {
      long hi = Long.parseUnsignedLong(s.substring(0, slash), 16);
      long lo = Long.parseUnsignedLong(s.substring(slash + 1), 16);
      if (hi > 0xFFFFFFFFL || lo > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("not an LSN: " + text);
      }
      return (hi << 32) | lo;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an LSN: " + text, e);
    }
  }

  /** Formats a byte position the way PostgreSQL prints it (upper-case hex, no padding). */
  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }
}
