package io.synod.engine.ctl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;

/**
 * Interactive questions (patronictl's click.prompt/confirm). No answer (EOF) aborts with exit code
 * 4.
 */
final class Console {
  private final BufferedReader in;
  private final PrintStream out;

  Console(BufferedReader in, PrintStream out) {
    this.in = in;
    this.out = out;
  }

  /** Asks; an empty answer gives {@code dflt}. */
  String prompt(String question, String dflt) {
    out.print(question + (dflt == null ? "" : " [" + dflt + "]") + ": ");
    out.flush();
    String line;
    try {
      line = in.readLine();
    } catch (IOException e) {
      line = null;
    }
    if (line == null) {
      out.println();
      throw new CtlException(
          CtlException.ABORTED,
          "no answer on standard input to \""
              + question
              + "\"; run it in a terminal, or pass the values as options and --force");
    }
    line = line.trim();
    return line.isEmpty() ? (dflt == null ? "" : dflt) : line;
  }

  /** A password: not echoed on a terminal; read as a line otherwise (scripts, tests). */
  String secret(String question) {
    java.io.Console c = System.console();
    if (c != null) {
      char[] pw = c.readPassword("%s: ", question);
      if (pw == null) {
        throw new CtlException(CtlException.ABORTED, "no answer to \"" + question + "\"");
      }
      return new String(pw);
    }
    return prompt(question, null);
  }

  /** y/N question; false on "no". */
  boolean confirm(String question) {
    String a = prompt(question + " [y/N]", null).toLowerCase(java.util.Locale.ROOT);
    return a.equals("y") || a.equals("yes");
  }

  /** Asks and aborts (exit 4) unless the answer is yes. */
  void confirmOrAbort(String question, String abortMessage) {
    if (!confirm(question)) {
      throw new CtlException(CtlException.ABORTED, abortMessage);
    }
  }
}
