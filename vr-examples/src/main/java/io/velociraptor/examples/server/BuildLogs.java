package io.velociraptor.examples.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The compile output of the builds this server started, kept in memory, streamed while a build runs. */
final class BuildLogs {
  /** One build's log: its lines so far and whether the build ended. */
  static final class Log {
    private final List<String> lines = new ArrayList<>();
    private boolean done;

    synchronized void line(String line) {
      lines.add(line);
      notifyAll();
    }

    synchronized void end(String lastLine) {
      if (lastLine != null) {
        lines.add(lastLine);
      }
      done = true;
      notifyAll();
    }

    synchronized boolean done() {
      return done;
    }

    /** Writes every line, waiting for more until the build ended; a client that went away ends it. */
    void streamTo(OutputStream out) throws IOException, InterruptedException {
      int sent = 0;
      while (true) {
        List<String> batch;
        boolean ended;
        synchronized (this) {
          while (sent == lines.size() && !done) {
            wait();
          }
          batch = new ArrayList<>(lines.subList(sent, lines.size()));
          ended = done;
        }
        for (String l : batch) {
          out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
        sent += batch.size();
        if (ended && batch.isEmpty()) {
          return;
        }
      }
    }
  }

  private final Map<String, Log> logs = new ConcurrentHashMap<>();

  private static String key(String app, String version) {
    return app + "\u0000" + version;
  }

  /** @return a new log for a build, or empty if one of that app and version is still running */
  synchronized Optional<Log> begin(String app, String version) {
    Log old = logs.get(key(app, version));
    if (old != null && !old.done()) {
      return Optional.empty();
    }
    Log l = new Log();
    logs.put(key(app, version), l);
    return Optional.of(l);
  }

  Optional<Log> get(String app, String version) {
    return Optional.ofNullable(logs.get(key(app, version)));
  }
}
