package io.synod.engine.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes {@code synod.log} and rotates it like Python's RotatingFileHandler (what Patroni uses):
 * when the file has reached {@code maxBytes}, {@code synod.log.N-1} becomes {@code synod.log.N}
 * (the oldest is dropped), ..., {@code synod.log} becomes {@code synod.log.1}, and a new file is
 * started. The size is checked before every line, so rotation is exact (Logback's own size trigger
 * checks only now and then).
 */
final class RotatingFileAppender extends OutputStreamAppender<ILoggingEvent> {
  private final Path file;
  private final int backups;
  private final long maxBytes;
  private final Integer mode;
  private Counting out;

  RotatingFileAppender(Path file, int backups, long maxBytes, Integer mode) {
    this.file = file;
    this.backups = backups;
    this.maxBytes = maxBytes;
    this.mode = mode;
  }

  @Override
  public void start() {
    try {
      open();
    } catch (IOException e) {
      addError("cannot open " + file, e);
      return;
    }
    super.start();
  }

  @Override
  protected void subAppend(ILoggingEvent event) {
    synchronized (this) {
      if (out != null && out.count >= maxBytes) {
        try {
          rotate();
        } catch (IOException e) {
          addError("cannot rotate " + file, e);
        }
      }
      super.subAppend(event);
    }
  }

  private void rotate() throws IOException {
    for (int i = backups - 1; i >= 1; i--) {
      Path from = numbered(i);
      if (Files.exists(from)) {
        Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (Files.exists(file)) {
      Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  private void open() throws IOException {
    Files.createDirectories(file.getParent());
    out = new Counting(new FileOutputStream(file.toFile(), true), Files.size(touch(file)));
    if (mode != null) {
      Files.setPosixFilePermissions(file, permissions(mode));
    }
    setOutputStream(out);
  }

  private Path numbered(int i) {
    return file.resolveSibling(file.getFileName() + "." + i);
  }

  private static Path touch(Path f) throws IOException {
    if (!Files.exists(f)) {
      Files.createFile(f);
    }
    return f;
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        p.add(order[bit]);
      }
    }
    return p;
  }

  /** Counts the bytes in the current file. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream o, long start) {
      super(o);
      count = start;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
