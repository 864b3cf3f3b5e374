package io.synod.bench.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** {@code bin/synod chaos} options; a bad value throws IllegalArgumentException naming it. */
public record ChaosOptions(
    List<Scenario> scenarios,
    int rounds,
    boolean quick,
    boolean sync,
    boolean keepLogs,
    int killCycles,
    Path out,
    long seed,
    List<String> argv) {

  /** Parses {@code args} (the command word first, as DrillMain passes them). */
  public static ChaosOptions parse(String[] args, Path defaultOut) {
    List<Scenario> scenarios = List.of(Scenario.values());
    int rounds = 1;
    boolean quick = false;
    boolean sync = false;
    boolean keepLogs = false;
    Integer killCycles = null;
    Path out = defaultOut;
    long seed = 42;
    List<String> argv = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      argv.add(a);
      switch (a) {
        case "--quick" -> quick = true;
        case "--sync" -> sync = true;
        case "--keep-logs" -> keepLogs = true;
        case "--scenario" -> {
          String v = value(args, ++i, a);
          argv.add(v);
          if (v.equals("all")) {
            scenarios = List.of(Scenario.values());
          } else {
            LinkedHashSet<Scenario> s = new LinkedHashSet<>();
            for (String id : v.split(",")) {
              s.add(Scenario.of(id.strip()));
            }
            scenarios = List.copyOf(s);
          }
        }
        case "--rounds" -> {
          String v = value(args, ++i, a);
          argv.add(v);
          rounds = positive(a, v);
        }
        case "--kill-cycles" -> {
          String v = value(args, ++i, a);
          argv.add(v);
          killCycles = positive(a, v);
        }
        case "--seed" -> {
          String v = value(args, ++i, a);
          argv.add(v);
          try {
            seed = Long.parseLong(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed: not a number: '" + v + "'");
          }
        }
        case "--out" -> {
          String v = value(args, ++i, a);
          argv.add(v);
          out = Path.of(v);
        }
        default -> throw new IllegalArgumentException("chaos: unknown option " + a);
      }
    }
    int cycles = killCycles != null ? killCycles : quick ? 5 : 50;
    return new ChaosOptions(
        scenarios, rounds, quick, sync, keepLogs, cycles, out, seed, List.copyOf(argv));
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int positive(String option, String v) {
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new IllegalArgumentException(option + ": must be at least 1, got " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": not a whole number: '" + v + "'");
    }
  }

  /** How long the link flaps: a minute, or 20 s with --quick. */
  public long flapMs() {
    return quick ? 20_000 : 60_000;
  }
}
