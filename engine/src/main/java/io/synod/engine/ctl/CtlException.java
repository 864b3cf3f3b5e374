package io.synod.engine.ctl;

/** A synodctl failure with the exit code a script sees; the message is printed as "Error: ...". */
final class CtlException extends RuntimeException {
  /**
   * The operation was refused or failed (a node answered with an error, a precondition did not
   * hold).
   */
  static final int FAILED = 1;

  /** Bad command line or configuration file. */
  static final int USAGE = 2;

  /** No node of the cluster answered. */
  static final int UNREACHABLE = 3;

  /** The user did not confirm (or there was no terminal to ask on: use --force). */
  static final int ABORTED = 4;

  final int exitCode;

  CtlException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  static CtlException failed(String message) {
    return new CtlException(FAILED, message);
  }
}
