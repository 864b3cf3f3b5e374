package io.synod.engine.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.joran.spi.JoranException;
import io.synod.config.LogConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Applies a node's {@code log} section to Logback: root level, per-logger levels, and one appender
 * (stdout, or {@code <dir>/synod.log} rotated) with {@link PatroniLayout}. Applying again (reload)
 * replaces the appender and restores the levels this class changed before.
 */
public final class LogSetup {
  /** The file under {@code log.dir}, as Patroni writes {@code patroni.log}. */
  public static final String FILE_NAME = "synod.log";

  private static final String APPENDER = "synod";
  private static final Map<String, Level> previousLevels = new HashMap<>();
  private static LogConfig applied;

  private LogSetup() {}

  /**
   * @throws IllegalStateException naming {@code log.dir} when the directory cannot be created or
   *     written
   */
  public static synchronized void apply(LogConfig c) {
    if (c.equals(applied)) {
      return;
    }
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    OutputStreamAppender<ILoggingEvent> app;
    if (c.dir() != null) {
      try {
        Files.createDirectories(c.dir());
      } catch (IOException e) {
        throw new IllegalStateException("log.dir: cannot create " + c.dir() + ": " + e, e);
      }
      if (!Files.isWritable(c.dir())) {
        throw new IllegalStateException("log.dir: " + c.dir() + " is not writable");
      }
      app =
          new RotatingFileAppender(c.dir().resolve(FILE_NAME), c.fileNum(), c.fileSize(), c.mode());
    } else {
      app = new ConsoleAppender<>();
    }
    app.setContext(ctx);
    app.setName(APPENDER);
    PatroniLayout layout = new PatroniLayout(c);
    layout.setContext(ctx);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
    enc.setContext(ctx);
    enc.setLayout(layout);
    enc.start();
    app.setEncoder(enc);
    app.start();
    if (!app.isStarted()) {
      throw new IllegalStateException(
          "log.dir: cannot write " + c.dir().resolve(FILE_NAME) + " (see the log above)");
    }

    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    // Levels set by a previous apply go back to what logback.xml said.
    previousLevels.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    previousLevels.clear();
    setLevel(ctx, Logger.ROOT_LOGGER_NAME, rootLevel(c));
    c.loggers().forEach((name, level) -> setLevel(ctx, name, LogConfig.slf4j(level)));
    root.detachAndStopAllAppenders();
    root.addAppender(app);
    applied = c;
  }

  /** Only errors, on stdout: for the short-lived commands (--validate-config, ...). */
  public static synchronized void quiet() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.ERROR);
  }

  /** Back to logback.xml (tests). */
  public static synchronized void reset() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    try {
      new ContextInitializer(ctx).autoConfig();
    } catch (JoranException e) {
      throw new IllegalStateException(e);
    }
    previousLevels.clear();
    applied = null;
  }

  /** log.level when the YAML sets it; else SYNOD_LOG_LEVEL (the demo and benchmarks), else INFO. */
  private static String rootLevel(LogConfig c) {
    if (c.levelSet()) {
      return c.slf4jLevel();
    }
    String env = System.getProperty("SYNOD_LOG_LEVEL", System.getenv("SYNOD_LOG_LEVEL"));
    return env == null || env.isBlank() ? "INFO" : LogConfig.slf4j(env);
  }

  private static void setLevel(LoggerContext ctx, String name, String level) {
    Logger l = ctx.getLogger(name);
    previousLevels.putIfAbsent(name, l.getLevel());
    l.setLevel(Level.toLevel(level, Level.INFO));
  }

  /** Where the current log file is, or null when logging to stdout. */
  public static synchronized Path file() {
    return applied == null || applied.dir() == null ? null : applied.dir().resolve(FILE_NAME);
  }
}
