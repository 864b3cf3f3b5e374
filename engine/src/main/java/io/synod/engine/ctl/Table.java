package io.synod.engine.ctl;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** patronictl's print_output: pretty (boxed, title in the top border), tsv, json, yaml. */
final class Table {
  private Table() {}

  /**
   * @param title shown in the top border of a pretty table (" Cluster: demo (7291...) "), or null
   * @param rightAligned column names aligned right in pretty tables
   * @param dropInPretty leading columns left out of pretty output (the Cluster column)
   */
  static void print(
      PrintStream out,
      String fmt,
      List<String> columns,
      List<List<Object>> rows,
      String title,
      Set<String> rightAligned,
      int dropInPretty) {
    print(out, fmt, columns, rows, title, rightAligned, dropInPretty, "\t");
  }

  /** Same, with patronictl's {@code --delimiter} for tsv. */
  static void print(
      PrintStream out,
      String fmt,
      List<String> columns,
      List<List<Object>> rows,
      String title,
      Set<String> rightAligned,
      int dropInPretty,
      String delimiter) {
    switch (fmt) {
      case "json" -> out.println(Api.JSON.valueToTree(objects(columns, rows)).toString());
      case "yaml", "yml" -> out.print(yaml(objects(columns, rows)));
      case "tsv" -> {
        if (!columns.isEmpty()) {
          out.println(String.join(delimiter, columns));
        }
        for (List<Object> r : rows) {
          List<String> cells = new ArrayList<>();
          r.forEach(c -> cells.add(cell(c)));
          out.println(String.join(delimiter, cells));
        }
      }
      default ->
          pretty(
              out,
              columns.subList(dropInPretty, columns.size()),
              rows.stream().map(r -> r.subList(dropInPretty, r.size())).toList(),
              title,
              rightAligned);
    }
  }

  private static List<Map<String, Object>> objects(List<String> columns, List<List<Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (List<Object> r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        Object v = r.get(i);
        if (v != null && !"".equals(v)) {
          m.put(columns.get(i), v);
        }
      }
      out.add(m);
    }
    return out;
  }

  static String yaml(Object o) {
    DumperOptions d = new DumperOptions();
    d.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    d.setWidth(200);
    d.setIndicatorIndent(0);
    return new Yaml(d).dump(o);
  }

  private static String cell(Object c) {
    return c == null ? "" : c.toString();
  }

  static void pretty(
      PrintStream out,
      List<String> columns,
      List<List<Object>> rows,
      String title,
      Set<String> right) {
    int n = columns.size();
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = columns.get(i).length();
      for (List<Object> r : rows) {
        for (String line : cell(r.get(i)).split("\n", -1)) {
          w[i] = Math.max(w[i], line.length());
        }
      }
    }
    StringBuilder border = new StringBuilder("+");
    for (int i = 0; i < n; i++) {
      border.append("-".repeat(w[i] + 2)).append('+');
    }
    String frame = border.toString();
    String top = frame;
    if (title != null && !title.isEmpty()) {
      String head = "+" + title;
      if (head.length() + 1 < frame.length()) {
        // the title replaces the start of the border, the rest keeps its dashes and joints
        top = head + frame.substring(head.length());
      } else {
        top = head + "+";
      }
    }
    out.println(top);
    out.println(line(columns.stream().map(c -> (Object) c).toList(), w, Set.of(), columns));
    out.println(frame);
    boolean multi = rows.stream().anyMatch(r -> r.stream().anyMatch(c -> cell(c).contains("\n")));
    for (int k = 0; k < rows.size(); k++) {
      List<Object> r = rows.get(k);
      int lines = r.stream().mapToInt(c -> cell(c).split("\n", -1).length).max().orElse(1);
      for (int l = 0; l < lines; l++) {
        List<Object> part = new ArrayList<>();
        for (Object c : r) {
          String[] ls = cell(c).split("\n", -1);
          part.add(l < ls.length ? ls[l] : "");
        }
        out.println(line(part, w, right, columns));
      }
      if (multi && k < rows.size() - 1) {
        out.println(frame);
      }
    }
    out.println(frame);
  }

  private static String line(List<Object> cells, int[] w, Set<String> right, List<String> columns) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < w.length; i++) {
      String c = cell(cells.get(i));
      String pad = " ".repeat(w[i] - c.length());
      b.append(' ').append(right.contains(columns.get(i)) ? pad + c : c + pad).append(" |");
    }
    return b.toString();
  }
}
