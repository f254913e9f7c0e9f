package io.velociraptor.buildpack;

import io.velociraptor.core.spi.BuildListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One build's log: every line goes to the log file, the listener, and a tail kept for errors. */
final class BuildLog implements Consumer<String>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BuildLog.class);
  static final int TAIL = 30;

  private final Path file;
  private final BufferedWriter out;
  private final BuildListener listener;
  private final ArrayDeque<String> tail = new ArrayDeque<>();

  BuildLog(Path file, BuildListener listener) throws IOException {
    Files.createDirectories(file.getParent());
    this.file = file;
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    this.listener = listener;
  }

  Path file() {
    return file;
  }

  @Override
  public synchronized void accept(String line) {
    try {
      out.write(line);
      out.write('\n');
    } catch (IOException e) {
      LOG.warn("cannot write build log {}: {}", file, e.toString());
    }
    if (tail.size() == TAIL) {
      tail.removeFirst();
    }
    tail.addLast(line);
    try {
      listener.onLine(line);
    } catch (RuntimeException e) {
      LOG.warn("build listener failed on a log line: {}", e.toString());
    }
  }

  void step(String step, String detail) {
    accept("-----> " + step + (detail.isEmpty() ? "" : ": " + detail));
    try {
      listener.onStep(step, detail);
    } catch (RuntimeException e) {
      LOG.warn("build listener failed on step {}: {}", step, e.toString());
    }
  }

  synchronized List<String> tail() {
    return List.copyOf(tail);
  }

  synchronized void flush() throws IOException {
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
