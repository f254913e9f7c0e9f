package io.velociraptor.lxc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.velociraptor.core.VrException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code vr-runner serve}: one resident runner JVM that answers setup, uptest and teardown
 * requests, so that a dispatcher does not start a JVM per step. Requests are JSON lines on
 * stdin, {@code {"id":N,"op":"setup|uptest|teardown","yaml":"<proc.yaml>","timeout_ms":N}}
 * (uptest also takes {@code "uptest_timeout_ms"}, the per-test timeout, default the runner's);
 * each gets one JSON line on stdout, in completion order, {@code {"id":N,"ok":bool,
 * "exit_code":0|1|2,"output":"..","error":".."}}: what the one-shot command would have exited
 * with, printed on stdout, and said after {@code ERROR:} on stderr. A line that is not such a
 * request gets an error response naming it (its id, when it had one, else null). The first
 * line on stdout is {@value #HELLO}, so that a caller can tell this from an old runner (which
 * prints its usage and exits 2). Stdin EOF: the requests under way finish, then it exits 0.
 */
final class RunnerServe {
  /** The line serve prints first, once it is ready for requests. */
  static final String HELLO = "{\"vr_runner_serve\":1}";

  private final Runner runner;
  private final PrintStream out;
  private final ObjectMapper json = io.velociraptor.core.json.VrJson.json();
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  private final Object writeLock = new Object();

  RunnerServe(Runner runner, PrintStream out, int threads) {
    this.runner = runner;
    this.out = out;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "vr-serve-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.ScheduledThreadPoolExecutor t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "vr-serve-timeouts");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true); // a request that ended in time leaves no timer behind
    this.timer = t;
  }

  /** Serves until EOF on {@code in}, then waits for the requests under way; returns 0. */
  int serve(InputStream in) throws IOException {
    write(HELLO);
    BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    long lineNo = 0;
    String line;
    while ((line = lines.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      accept(line, lineNo);
    }
    pool.shutdown();
    try {
      // each request has its own deadline, after which its response was written: this only
      // lets work that ignored an interrupt end tidily before the JVM exits
      pool.awaitTermination(10, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
    return 0;
  }

  private void accept(String line, long lineNo) {
    JsonNode req;
    try {
      req = json.readTree(line);
    } catch (IOException e) {
      respond(null, 2, "", "bad request on line " + lineNo + ": not JSON (" + firstLine(e.getMessage())
          + "): " + shorten(line));
      return;
    }
    JsonNode idNode = req == null ? null : req.get("id");
    if (idNode == null || !idNode.canConvertToLong() || !idNode.isIntegralNumber()) {
      respond(null, 2, "", "bad request on line " + lineNo + ": \"id\" must be an integer: " + shorten(line));
      return;
    }
    long id = idNode.asLong();
    String op = text(req, "op");
    String yaml = text(req, "yaml");
    if (op == null || !(op.equals("setup") || op.equals("uptest") || op.equals("teardown"))) {
      respond(id, 2, "", "bad request " + id + " on line " + lineNo + ": \"op\" must be setup, uptest or"
          + " teardown, not " + (op == null ? "missing" : "\"" + op + "\""));
      return;
    }
    if (yaml == null || yaml.isEmpty()) {
      respond(id, 2, "", "bad request " + id + " on line " + lineNo + ": \"yaml\" (the proc.yaml path) is missing");
      return;
    }
    Duration timeout;
    Duration perTest;
    try {
      timeout = millis(req, "timeout_ms", Duration.ofHours(1));
      perTest = millis(req, "uptest_timeout_ms", runner.config().uptestTimeout());
    } catch (IllegalArgumentException e) {
      respond(id, 2, "", "bad request " + id + " on line " + lineNo + ": " + e.getMessage());
      return;
    }
    AtomicBoolean answered = new AtomicBoolean();
    java.util.concurrent.CompletableFuture<Future<?>> timeoutTask = new java.util.concurrent.CompletableFuture<>();
    Future<?> work = pool.submit(() -> {
      String[] result = run(op, Path.of(yaml), perTest);
      if (answered.compareAndSet(false, true)) {
        timeoutTask.thenAccept(f -> f.cancel(false));
        respond(id, Integer.parseInt(result[0]), result[1], result[2]);
      }
    });
    timeoutTask.complete(timer.schedule(() -> {
      if (answered.compareAndSet(false, true)) {
        work.cancel(true);
        respond(id, 1, "", op + " of " + yaml + " timed out after " + timeout.toMillis() + " ms in the runner");
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Runs one op as the one-shot command would: {exit code, stdout, error}. */
  private String[] run(String op, Path procYaml, Duration perTest) {
    try {
      String output = "";
      switch (op) {
        case "setup" -> runner.setup(procYaml);
        case "teardown" -> runner.teardown(procYaml);
        default -> output = RunnerMain.uptestJson(runner.uptest(procYaml, perTest)) + "\n";
      }
      return new String[] {"0", output, ""};
    } catch (VrException e) {
      return new String[] {"1", "", String.valueOf(e.getMessage())};
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return new String[] {"1", "", "cannot write uptest results: " + e.getMessage()};
    } catch (RuntimeException e) {
      // a one-shot JVM would die of it with exit 1; here the runner lives on
      return new String[] {"1", "", "the runner failed: " + e};
    }
  }

  private void respond(Long id, int exitCode, String output, String error) {
    ObjectNode r = json.createObjectNode();
    if (id == null) {
      r.putNull("id");
    } else {
      r.put("id", id);
    }
    r.put("ok", exitCode == 0);
    r.put("exit_code", exitCode);
    r.put("output", output);
    r.put("error", error);
    try {
      write(json.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(r));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write a response", e);
    }
  }

  private void write(String line) {
    synchronized (writeLock) {
      out.print(line + "\n");
      out.flush();
    }
  }

  private static String text(JsonNode req, String field) {
    JsonNode n = req.get(field);
    return n == null || !n.isTextual() ? null : n.asText();
  }

  private static Duration millis(JsonNode req, String field, Duration otherwise) {
    JsonNode n = req.get(field);
    if (n == null || n.isNull()) {
      return otherwise;
    }
    if (!n.isIntegralNumber() || n.asLong() < 1) {
      throw new IllegalArgumentException("\"" + field + "\" must be a positive integer, not " + n);
    }
    return Duration.ofMillis(n.asLong());
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s);
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  private static String shorten(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
