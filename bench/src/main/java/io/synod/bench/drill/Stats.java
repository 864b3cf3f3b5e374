package io.synod.bench.drill;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** min / median / p95 / max of a few trials (percentiles by linear interpolation between ranks). */
public record Stats(int n, double min, double median, double p95, double max) {
  public static Stats of(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.removeIf(x -> x == null || x.isNaN());
    if (v.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    Collections.sort(v);
    return new Stats(
        v.size(), v.get(0), percentile(v, 0.50), percentile(v, 0.95), v.get(v.size() - 1));
  }

  static double percentile(List<Double> sorted, double p) {
    if (sorted.size() == 1) {
      return sorted.get(0);
    }
    double rank = p * (sorted.size() - 1);
    int lo = (int) Math.floor(rank);
    int hi = (int) Math.ceil(rank);
    return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (rank - lo);
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("min_ms", round(min));
    m.put("median_ms", round(median));
    m.put("p95_ms", round(p95));
    m.put("max_ms", round(max));
    return m;
  }

  static Double round(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 10) / 10.0;
  }

  /** "1.23 s" style, or "-" when there is no value. */
  public static String sec(double ms) {
    return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.2f s", ms / 1000);
  }

  public String line() {
    return String.format(
        Locale.ROOT,
        "n=%d  min %s  median %s  p95 %s  max %s",
        n,
        sec(min),
        sec(median),
        sec(p95),
        sec(max));
  }
}
