package io.velociraptor.lxc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.RunningCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code vr-runner serve} on one host, opened through its {@link CommandRunner}: requests
 * from any number of threads are written to it as JSON lines and matched to its responses by
 * id. When it dies (the process killed, the connection lost, a response overdue) every pending
 * request fails naming the host, and the session is dead for good; the runtime opens a new one.
 */
final class RunnerSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunnerSession.class);
  /** How much of serve's stderr is kept for messages. */
  private static final int STDERR_TAIL = 4096;
  /** How long past a request's own timeout the runner gets to answer before the session is called dead. */
  static final Duration ANSWER_GRACE = Duration.ofSeconds(10);

  /** What serve answered to one request. */
  record Reply(long id, boolean ok, int exitCode, String output, String error) { }

  /** The host's runner does not serve (an older runner): use a command per step. */
  static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  private final String host;
  private final RunningCommand serve;
  private final OutputStream requests;
  private final ObjectMapper json = VrJson.json();
  private final Map<Long, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final StringBuilder stderrTail = new StringBuilder();
  private final Object writeLock = new Object();
  private volatile String death; // why it died; null while it lives
  private volatile long lastUsed = System.nanoTime();

  private RunnerSession(String host, RunningCommand serve) {
    this.host = host;
    this.serve = serve;
    this.requests = serve.stdin();
  }

  /**
   * Starts {@code <launcher> serve} on the host and waits for its hello line.
   *
   * @throws Unsupported if the runner there does not serve (it exits, or says something else
   *     first), or the command runner cannot keep a command open
   * @throws RunnerException if it neither answers nor exits within the start timeout
   */
  static RunnerSession open(CommandRunner host, String launcher, Duration startTimeout) throws Unsupported {
    RunningCommand serve;
    try {
      serve = host.open(Command.of(launcher, "serve"));
    } catch (UnsupportedOperationException e) {
      throw new Unsupported(e.getMessage());
    }
    RunnerSession s = new RunnerSession(host.host(), serve);
    CompletableFuture<String> hello = new CompletableFuture<>();
    s.daemon("vr-runner-session-err-" + host.host(), () -> s.drainStderr(serve.stderr()));
    s.daemon("vr-runner-session-" + host.host(), () -> s.readResponses(serve.stdout(), hello));
    String first;
    try {
      first = hello.get(startTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      s.kill("it did not start within " + startTimeout);
      throw RunnerException.failed(host.host(), "the runner on " + host.host() + " (" + launcher
          + " serve) did not start within " + startTimeout + s.stderrNote());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.kill("interrupted while starting");
      throw new IllegalStateException("interrupted while starting the runner on " + host.host(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    if (!RunnerServe.HELLO.equals(first)) {
      s.kill("it does not serve");
      // an old runner prints its usage and exits 2; anything else is no serve either
      throw new Unsupported("the runner on " + host.host() + " does not serve requests (" + launcher
          + " serve said " + (first == null ? "nothing" : "\"" + first + "\"") + s.stderrNote()
          + "); reinstall it (RunnerInstall.install) to get one JVM per host instead of one per step");
    }
    LOG.debug("runner session open on {} ({})", host.host(), serve);
    return s;
  }

  /**
   * Sends one request and waits for its reply.
   *
   * @param timeout how long the runner may take (it answers with an error after it); the call
   *     waits {@link #ANSWER_GRACE} longer, then kills the session
   * @throws RunnerException naming the host if the session is or becomes dead, or the reply is
   *     overdue
   */
  Reply call(String op, String procYaml, Duration timeout, Optional<Duration> perTest) {
    lastUsed = System.nanoTime();
    long id = ids.incrementAndGet();
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      ObjectNode req = json.createObjectNode();
      req.put("id", id);
      req.put("op", op);
      req.put("yaml", procYaml);
      req.put("timeout_ms", Math.max(1, timeout.toMillis()));
      perTest.ifPresent(t -> req.put("uptest_timeout_ms", Math.max(1, t.toMillis())));
      byte[] line = (json.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8);
      String dead = death;
      if (dead != null) {
        throw deadError(op, procYaml, dead);
      }
      synchronized (writeLock) {
        requests.write(line);
        requests.flush();
      }
    } catch (IOException e) {
      kill("writing a request failed: " + e.getMessage());
    }
    try {
      return reply.get(timeout.plus(ANSWER_GRACE).toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      kill("it did not answer " + op + " of " + procYaml + " within " + timeout.plus(ANSWER_GRACE));
      throw deadError(op, procYaml, death);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + op + " of " + procYaml + " on " + host, e);
    } catch (ExecutionException e) {
      throw deadError(op, procYaml, e.getCause().getMessage());
    } finally {
      pending.remove(id);
      lastUsed = System.nanoTime();
    }
  }

  private RunnerException deadError(String op, String procYaml, String why) {
    return RunnerException.failed(host, "the runner session on " + host + " died before it answered "
        + op + " of " + procYaml + ": " + why + "; the step may or may not have run (the next call"
        + " starts a new session)");
  }

  /** Whether it can take requests. */
  boolean alive() {
    return death == null;
  }

  /** Nanos ({@link System#nanoTime}) of the last call's start or end. */
  long lastUsed() {
    return lastUsed;
  }

  /** Counts as used now. */
  void touch() {
    lastUsed = System.nanoTime();
  }

  /** Whether requests are waiting for replies. */
  boolean busy() {
    return !pending.isEmpty();
  }

  /** Ends the session: EOF to serve (it finishes what it does and exits), then kills what is left. */
  @Override
  public void close() {
    if (death == null) {
      try {
        requests.close();
      } catch (IOException e) {
        LOG.debug("closing the runner session's stdin on {}: {}", host, e.toString());
      }
      if (serve.waitFor(Duration.ofSeconds(5)).isEmpty()) {
        LOG.info("the runner session on {} did not exit within 5 s of EOF; killing it", host);
      }
    }
    kill("the session was closed");
  }

  /** Marks it dead, fails every pending request, destroys serve. */
  void kill(String why) {
    synchronized (this) {
      if (death == null) {
        death = why;
      }
    }
    failPending();
    serve.destroy();
  }

  private void failPending() {
    List<CompletableFuture<Reply>> waiting = new ArrayList<>(pending.values());
    RuntimeException e = new IllegalStateException(death + stderrNote());
    waiting.forEach(f -> f.completeExceptionally(e));
  }

  private void readResponses(InputStream stdout, CompletableFuture<String> hello) {
    String why = "its output ended";
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
      String first = lines.readLine();
      hello.complete(first);
      if (!RunnerServe.HELLO.equals(first)) {
        return;
      }
      String line;
      while ((line = lines.readLine()) != null) {
        deliver(line);
      }
    } catch (IOException e) {
      why = "reading its output failed: " + e.getMessage();
    } finally {
      hello.complete(null);
      Integer exit = null;
      if (death == null) {
        exit = serve.waitFor(Duration.ofSeconds(5)).stream().boxed().findFirst().orElse(null);
      }
      kill(why + (exit == null ? "" : " (exit code " + exit + ")"));
    }
  }

  private void deliver(String line) {
    JsonNode r;
    try {
      r = json.readTree(line);
    } catch (IOException e) {
      LOG.warn("the runner on {} printed a line that is not a response: {}", host, line);
      return;
    }
    JsonNode id = r.get("id");
    if (id == null || !id.canConvertToLong() || id.isNull()) {
      LOG.warn("the runner on {} answered a request it could not read: {}", host, r.path("error").asText(line));
      return;
    }
    CompletableFuture<Reply> f = pending.get(id.asLong());
    if (f == null) {
      LOG.debug("the runner on {} answered request {}, which no one waits for any more", host, id);
      return;
    }
    f.complete(new Reply(id.asLong(), r.path("ok").asBoolean(false), r.path("exit_code").asInt(1),
        r.path("output").asText(""), r.path("error").asText("")));
  }

  private void drainStderr(InputStream stderr) {
    byte[] buf = new byte[4096];
    try (stderr) {
      int n;
      while ((n = stderr.read(buf)) >= 0) {
        String text = new String(buf, 0, n, StandardCharsets.UTF_8);
        LOG.debug("runner on {}: {}", host, text.stripTrailing());
        synchronized (stderrTail) {
          stderrTail.append(text);
          if (stderrTail.length() > STDERR_TAIL) {
            stderrTail.delete(0, stderrTail.length() - STDERR_TAIL);
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("the runner's stderr on {} ended: {}", host, e.toString());
    }
  }

  private String stderrNote() {
    String tail;
    synchronized (stderrTail) {
      tail = stderrTail.toString().strip();
    }
    return tail.isEmpty() ? "" : "; its stderr ends: " + tail;
  }

  private void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public String toString() {
    return "runner session on " + host + " (" + serve + ")";
  }
}
