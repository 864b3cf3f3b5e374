package io.synod.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.synod.bench.drill.MachineFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the long-running bench commands (soak, flaps, idle) share: options in, a result file out.
 */
public final class BenchOptions {
  private BenchOptions() {}

  /**
   * The {@code --option value} pairs after the command name (args[0]), in order; an option given
   * twice keeps its last value. An option without a value is an error naming it.
   */
  public static Map<String, String> pairs(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      out.put(a, args[++i]);
    }
    return out;
  }

  /** A whole number of at least {@code min}, or an error naming the option. */
  public static int count(String option, String value, int min) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " wants a whole number, got '" + value + "'");
    }
    if (n < min) {
      throw new IllegalArgumentException(option + " must be at least " + min + ", got " + n);
    }
    return n;
  }

  /**
   * Writes {@code outDir/<name>-<UTC stamp>.json}: the command, the machine facts, then {@code
   * fields} in order.
   */
  public static Path writeResult(Path outDir, String name, String command, Map<String, ?> fields)
      throws IOException {
    Files.createDirectories(outDir);
    String stamp =
        LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path json = outDir.resolve(name + "-" + stamp + ".json");
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("command", command);
    doc.put("machine", MachineFacts.collect());
    doc.putAll(fields);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), doc);
    return json;
  }
}
