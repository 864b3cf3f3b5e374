package io.synod.config;

import java.util.List;

/**
 * Thrown when a configuration cannot be used. Carries every problem found, not just the first, so
 * an operator can fix a file in one pass. Each problem names its origin (file, {@code PATRONI_*}
 * variable or DCS key) and the dotted path of the setting.
 */
public class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /** Every problem found, one human-readable line each, in the order they were found. */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0);
    }
    StringBuilder sb =
        new StringBuilder("invalid configuration (" + problems.size() + " problems):");
    for (String p : problems) {
      sb.append(System.lineSeparator()).append("  ").append(p);
    }
    return sb.toString();
  }
}
