package io.synod.engine.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A synchronous_standby_names value as Synod writes it: {@code FIRST k ("a","b")} (all-of when k is
 * the list's size: Patroni's synchronous_mode on), {@code ANY k ("a","b")} (quorum mode), {@code *}
 * (strict mode with no standby known: any standby must confirm) or empty (asynchronous).
 */
public record SyncStandbyNames(Kind kind, int count, List<String> names) {
  public enum Kind {
    FIRST,
    ANY,
    STAR,
    ASYNC
  }

  public static final SyncStandbyNames ASYNC = new SyncStandbyNames(Kind.ASYNC, 0, List.of());
  public static final SyncStandbyNames STAR = new SyncStandbyNames(Kind.STAR, 1, List.of());

  private static final Pattern FORM =
      Pattern.compile("(?i)\\s*(FIRST|ANY)?\\s*(\\d+)\\s*\\((.*)\\)\\s*");

  public SyncStandbyNames {
    names = List.copyOf(names);
  }

  public static SyncStandbyNames first(int k, List<String> names) {
    return names.isEmpty() ? ASYNC : new SyncStandbyNames(Kind.FIRST, k, names);
  }

  public static SyncStandbyNames any(int k, List<String> names) {
    return names.isEmpty() ? ASYNC : new SyncStandbyNames(Kind.ANY, k, names);
  }

  /** How many standbys must confirm a commit (0: none; STAR counts as one unknown standby). */
  public int required() {
    return kind == Kind.ASYNC ? 0 : count;
  }

  /** The value for postgresql.conf. */
  public String render() {
    return switch (kind) {
      case ASYNC -> "";
      case STAR -> "*";
      default -> {
        List<String> quoted = new ArrayList<>();
        for (String n : names) {
          quoted.add('"' + n.replace("\"", "\"\"") + '"');
        }
        yield kind.name() + " " + count + " (" + String.join(",", quoted) + ")";
      }
    };
  }

  /** Reads a value Synod wrote (and the common hand-written forms); null when unreadable. */
  public static SyncStandbyNames parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (v.isEmpty()) {
      return ASYNC;
    }
    if (v.equals("*")) {
      return STAR;
    }
    Matcher m = FORM.matcher(v);
    if (!m.matches()) {
      return null;
    }
    Kind kind = m.group(1) == null ? Kind.FIRST : Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT));
    List<String> names = new ArrayList<>();
    for (String part : m.group(3).split(",")) {
      String n = part.strip();
      if (n.startsWith("\"") && n.endsWith("\"") && n.length() >= 2) {
        n = n.substring(1, n.length() - 1).replace("\"\"", "\"");
      }
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    return new SyncStandbyNames(kind, Integer.parseInt(m.group(2)), names);
  }

  @Override
  public String toString() {
    return kind == Kind.ASYNC ? "(asynchronous)" : render();
  }
}
