package io.synod.engine.ctl;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts (as Python's difflib.unified_diff, 3 lines of context), for
 * edit-config.
 */
final class Diff {
  private Diff() {}

  static List<String> unified(String before, String after) {
    String[] a = lines(before);
    String[] b = lines(after);
    int n = a.length;
    int m = b.length;
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] =
            a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    // edit script: ' ' keep, '-' delete, '+' insert, with positions in a and b
    List<char[]> ops = new ArrayList<>();
    List<int[]> pos = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i].equals(b[j])) {
        ops.add(new char[] {' '});
        pos.add(new int[] {i++, j++});
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add(new char[] {'-'});
        pos.add(new int[] {i++, j});
      } else {
        ops.add(new char[] {'+'});
        pos.add(new int[] {i, j++});
      }
    }
    List<String> out = new ArrayList<>();
    int k = 0;
    int total = ops.size();
    final int ctx = 3;
    while (k < total) {
      while (k < total && ops.get(k)[0] == ' ') {
        k++;
      }
      if (k >= total) {
        break;
      }
      int start = Math.max(0, k - ctx);
      int end = k;
      int lastChange = k;
      while (end < total) {
        if (ops.get(end)[0] != ' ') {
          lastChange = end;
        } else if (end - lastChange > 2 * ctx) {
          break;
        }
        end++;
      }
      end = Math.min(total, lastChange + ctx + 1);
      int aStart = pos.get(start)[0];
      int bStart = pos.get(start)[1];
      int aLen = 0;
      int bLen = 0;
      List<String> body = new ArrayList<>();
      for (int x = start; x < end; x++) {
        char op = ops.get(x)[0];
        int[] p = pos.get(x);
        if (op == ' ') {
          body.add(" " + a[p[0]]);
          aLen++;
          bLen++;
        } else if (op == '-') {
          body.add("-" + a[p[0]]);
          aLen++;
        } else {
          body.add("+" + b[p[1]]);
          bLen++;
        }
      }
      if (out.isEmpty()) {
        out.add("--- ");
        out.add("+++ ");
      }
      out.add("@@ -" + range(aStart, aLen) + " +" + range(bStart, bLen) + " @@");
      out.addAll(body);
      k = end;
    }
    return out;
  }

  private static String range(int start, int len) {
    int s = len == 0 ? start : start + 1;
    return len == 1 ? Integer.toString(s) : s + "," + len;
  }

  private static String[] lines(String s) {
    String t = s == null ? "" : s.replaceAll("\n+$", "");
    return t.isEmpty() ? new String[0] : t.split("\n", -1);
  }
}
