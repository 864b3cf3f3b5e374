package io.synod.config;

import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * SnakeYAML in safe mode (no arbitrary classes), with errors turned into "origin: line L, column C:
 * problem".
 */
final class YamlText {
  private YamlText() {}

  /** Thrown with a message ready to show: it already names the origin and position. */
  static final class SyntaxError extends Exception {
    SyntaxError(String message) {
      super(message);
    }
  }

  static Object parse(String text, String origin) throws SyntaxError {
    LoaderOptions options = new LoaderOptions();
    // A repeated key (two "postgresql:" blocks) silently drops the first in PyYAML; here it is an
    // error.
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    Yaml yaml =
        new Yaml(
            new SafeConstructor(options),
            new Representer(new DumperOptions()),
            new DumperOptions(),
            options);
    try {
      return normalize(yaml.load(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      String where =
          mark == null
              ? ""
              : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      throw new SyntaxError(origin + ": " + where + oneLine(problem));
    } catch (YAMLException e) {
      throw new SyntaxError(origin + ": " + oneLine(e.getMessage()));
    }
  }

  /** Plain String-keyed LinkedHashMaps and ArrayLists all the way down. */
  private static Object normalize(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(String.valueOf(e.getKey()), normalize(e.getValue()));
      }
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(normalize(o));
      }
      return out;
    }
    if (v instanceof Set<?> s) {
      List<Object> out = new ArrayList<>(s.size());
      for (Object o : s) {
        out.add(normalize(o));
      }
      return out;
    }
    if (v instanceof Date d) {
      // Unquoted dates become timestamps in YAML 1.1; keep the text form for string settings.
      return d.toInstant().toString();
    }
    return v;
  }

  private static String oneLine(String s) {
    return s == null ? "invalid YAML" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }
}
