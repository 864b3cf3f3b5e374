package io.synod.bench.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Writes one drill run (one or more series of trials) as CSV, JSON and an SVG chart. */
public final class Report {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String[] COLORS = {
    "#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b"
  };

  /** The trials of one drill against one system at one setting. */
  public record Series(
      String drill,
      String system,
      String label,
      Map<String, Object> settings,
      Map<String, Object> versions,
      List<TrialResult> trials) {
    public Stats stats() {
      return Stats.of(trials.stream().map(TrialResult::ms).toList());
    }

    /** Stats of a numeric extra (e.g. write_gap_ms), or null when no trial has it. */
    public Stats extraStats(String key) {
      List<Double> v = new ArrayList<>();
      for (TrialResult t : trials) {
        if (t.extra().get(key) instanceof Number n) {
          v.add(n.doubleValue());
        }
      }
      return v.isEmpty() ? null : Stats.of(v);
    }
  }

  private Report() {}

  /** Writes RUN.csv, RUN.json and RUN.svg into {@code dir}; returns the three paths. */
  public static List<Path> write(
      Path dir,
      String runId,
      String command,
      Map<String, Object> machine,
      List<Series> series,
      List<String> extraStatKeys)
      throws IOException {
    Files.createDirectories(dir);
    Path csv = dir.resolve(runId + ".csv");
    Path json = dir.resolve(runId + ".json");
    Path svg = dir.resolve(runId + ".svg");
    Files.writeString(csv, csv(runId, series));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("run", runId);
    doc.put("command", command);
    doc.put("machine", machine);
    List<Map<String, Object>> ss = new ArrayList<>();
    for (Series s : series) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("drill", s.drill());
      m.put("system", s.system());
      m.put("label", s.label());
      m.put("settings", s.settings());
      m.put("versions", s.versions());
      m.put("stats", s.stats().toMap());
      for (String k : extraStatKeys) {
        Stats e = s.extraStats(k);
        if (e != null) {
          m.put("stats_" + k, e.toMap());
        }
      }
      List<Map<String, Object>> ts = new ArrayList<>();
      for (TrialResult t : s.trials()) {
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("trial", t.trial());
        tm.put("ms", Stats.round(t.ms()));
        tm.putAll(t.extra());
        ts.add(tm);
      }
      m.put("trials", ts);
      ss.add(m);
    }
    doc.put("series", ss);
    Files.writeString(json, JSON.writeValueAsString(doc));
    Files.writeString(svg, svg(runId, machine, series));
    return List.of(csv, json, svg);
  }

  static String csv(String runId, List<Series> series) {
    Set<String> keys = new LinkedHashSet<>();
    series.forEach(s -> s.trials().forEach(t -> keys.addAll(t.extra().keySet())));
    StringBuilder b = new StringBuilder("run,drill,system,label,trial,ms");
    keys.forEach(k -> b.append(',').append(k));
    b.append('\n');
    for (Series s : series) {
      for (TrialResult t : s.trials()) {
        b.append(runId)
            .append(',')
            .append(s.drill())
            .append(',')
            .append(s.system())
            .append(',')
            .append(quote(s.label()))
            .append(',')
            .append(t.trial())
            .append(',')
            .append(String.format(Locale.ROOT, "%.1f", t.ms()));
        for (String k : keys) {
          Object v = t.extra().get(k);
          b.append(',').append(v == null ? "" : quote(String.valueOf(v)));
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String quote(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  /**
   * One panel per drill: every trial as a dot (x = trial), the median as a dashed line, per series.
   */
  static String svg(String runId, Map<String, Object> machine, List<Series> series) {
    List<String> drills =
        new ArrayList<>(new LinkedHashSet<>(series.stream().map(Series::drill).toList()));
    int panelW = 560;
    int panelH = 320;
    int legendH = 18 * series.size() + 10;
    int w = 40 + panelW * drills.size() + 40 * (drills.size() - 1) + 40;
    int h = 60 + panelH + 50 + legendH;
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            w,
            h));
    b.append(
        String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"20\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
            esc("Synod bench " + runId)));
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"20\" y=\"40\" fill=\"#555\">%s</text>%n",
            esc(
                machine.get("cores")
                    + " cores, "
                    + machine.get("cpu")
                    + "; "
                    + machine.get("jdk")
                    + "; "
                    + machine.get("postgresql")
                    + "; load "
                    + machine.get("loadavg"))));
    for (int d = 0; d < drills.size(); d++) {
      String drill = drills.get(d);
      int x0 = 60 + d * (panelW + 40);
      int y0 = 60;
      List<Series> in = series.stream().filter(s -> s.drill().equals(drill)).toList();
      double max = 0;
      double min = Double.MAX_VALUE;
      int maxTrials = 1;
      for (Series s : in) {
        for (TrialResult t : s.trials()) {
          max = Math.max(max, t.ms());
          min = Math.min(min, t.ms());
        }
        maxTrials = Math.max(maxTrials, s.trials().size());
      }
      if (max <= 0) {
        max = 1000;
        min = 100;
      }
      boolean log = min > 0 && max / min > 8;
      double lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
      double hi = log ? Math.pow(10, Math.ceil(Math.log10(max))) : niceCeil(max * 1.1);
      int plotW = panelW - 60;
      int plotH = panelH - 60;
      int px = x0 + 50;
      int py = y0 + 20;
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
              px,
              y0 + 10,
              esc(drill + " (seconds, " + (log ? "log scale" : "linear") + ")")));
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
              px,
              py,
              plotW,
              plotH));
      List<Double> ticks = new ArrayList<>();
      if (log) {
        for (double t = lo; t <= hi * 1.0001; t *= 10) {
          ticks.add(t);
          if (t * 2 < hi) {
            ticks.add(t * 2);
          }
          if (t * 5 < hi) {
            ticks.add(t * 5);
          }
        }
      } else {
        for (int i = 0; i <= 5; i++) {
          ticks.add(hi * i / 5);
        }
      }
      for (double t : ticks) {
        double y = yOf(t, lo, hi, log, py, plotH);
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                px,
                y,
                px + plotW,
                y));
        b.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
                px - 5,
                y + 4,
                trimNum(t / 1000)));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">trial</text>%n",
              px + plotW / 2,
              py + plotH + 32));
      for (int t = 1; t <= maxTrials; t++) {
        double x = px + plotW * (t - 0.5) / maxTrials;
        b.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%d</text>%n",
                x,
                py + plotH + 16,
                t));
      }
      for (Series s : in) {
        String color = COLORS[series.indexOf(s) % COLORS.length];
        for (TrialResult t : s.trials()) {
          double x = px + plotW * (t.trial() - 0.5) / maxTrials;
          double y = yOf(t.ms(), lo, hi, log, py, plotH);
          b.append(
              String.format(
                  Locale.ROOT,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s</title></circle>%n",
                  x,
                  y,
                  color,
                  esc(s.label() + " trial " + t.trial() + ": " + Stats.sec(t.ms()))));
        }
        double med = s.stats().median();
        if (!Double.isNaN(med)) {
          double y = yOf(med, lo, hi, log, py, plotH);
          b.append(
              String.format(
                  Locale.ROOT,
                  "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"5,4\"/>%n",
                  px,
                  y,
                  px + plotW,
                  y,
                  color));
        }
      }
    }
    int ly = 60 + panelH + 40;
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      String color = COLORS[i % COLORS.length];
      b.append(
          String.format(
              Locale.ROOT,
              "<circle cx=\"66\" cy=\"%d\" r=\"4\" fill=\"%s\"/>%n",
              ly + 18 * i - 4,
              color));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"76\" y=\"%d\">%s</text>%n",
              ly + 18 * i,
              esc(
                  s.drill()
                      + ": "
                      + s.label()
                      + " - median "
                      + Stats.sec(s.stats().median())
                      + " (dashed)")));
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private static double yOf(double v, double lo, double hi, boolean log, int py, int plotH) {
    double f =
        log
            ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
            : (v - lo) / (hi - lo);
    return py + plotH - f * plotH;
  }

  private static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String trimNum(double d) {
    String s = String.format(Locale.ROOT, "%.2f", d);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
