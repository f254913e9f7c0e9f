package io.velociraptor.lxc;

import io.velociraptor.core.VrException;
import io.velociraptor.core.spi.UptestResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The runner's command line, what Supervisor's {@code command=} and the runtimes call:
 * {@code RunnerMain [options] setup|run|uptest|teardown|shell <proc.yaml>}, or {@code RunnerMain
 * [options] serve}, the resident runner that answers setup, uptest and teardown requests on
 * stdin ({@link RunnerServe}). Options:
 * {@code --root DIR} (default /apps), {@code --runtime lxc|plain}, {@code --network host|none},
 * {@code --volume-root DIR} (repeatable), {@code --uptest-timeout-ms N}. {@code uptest} prints
 * only the JSON array of results on stdout; errors go to stderr with exit code 1
 * (2 for bad usage).
 */
public final class RunnerMain {
  static final String USAGE = "usage: vr-runner [--root DIR] [--runtime lxc|plain] [--network host|none]"
      + " [--volume-root DIR]... [--uptest-timeout-ms N] setup|run|uptest|teardown|shell <proc.yaml> | serve";

  private RunnerMain() {}

  /**
   * Runs one runner command and exits with its exit code.
   *
   * @param args options, the command and the proc.yaml path
   */
  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  static int execute(String[] args, PrintStream out, PrintStream err) {
    return execute(args, System.in, out, err);
  }

  static int execute(String[] args, java.io.InputStream in, PrintStream out, PrintStream err) {
    RunnerConfig.Builder b = RunnerConfig.builder();
    List<String> rest = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--root" -> b.root(Path.of(value(args, ++i, a)));
          case "--runtime" -> b.runtime(RuntimeKind.valueOf(value(args, ++i, a).toUpperCase(Locale.ROOT)));
          case "--network" -> {
            String n = value(args, ++i, a);
            if (!n.equals("host") && !n.equals("none")) {
              throw new IllegalArgumentException("--network must be host or none, not " + n);
            }
            b.hostNetwork(n.equals("host"));
          }
          case "--volume-root" -> b.allowVolumesUnder(Path.of(value(args, ++i, a)));
          case "--uptest-timeout-ms" -> b.uptestTimeout(Duration.ofMillis(Long.parseLong(value(args, ++i, a))));
          case "--version" -> {
            out.println("vr-runner " + version());
            return 0;
          }
          default -> rest.add(a);
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("ERROR: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (rest.size() == 1 && rest.get(0).equals("serve")) {
      return serve(b.build(), in, out, err);
    }
    if (rest.size() != 2) {
      err.println(USAGE);
      return 2;
    }
    String command = rest.get(0);
    Path procYaml = Path.of(rest.get(1));
    try {
      Runner runner = Runner.of(b.build());
      switch (command) {
        case "setup" -> runner.setup(procYaml);
        case "run" -> {
          return runner.run(procYaml);
        }
        case "shell" -> {
          return runner.shell(procYaml);
        }
        case "teardown" -> runner.teardown(procYaml);
        case "uptest" -> {
          List<UptestResult> results = runner.uptest(procYaml, runner.config().uptestTimeout());
          // vr's mapper: it writes exit_code (an Optional) and keeps the one-line form
          out.println(uptestJson(results));
        }
        default -> {
          err.println("ERROR: command must be one of: setup, run, uptest, teardown, shell; not " + command);
          return 2;
        }
      }
      return 0;
    } catch (VrException e) {
      err.println("ERROR: " + e.getMessage());
      return 1;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      err.println("ERROR: cannot write uptest results: " + e.getMessage());
      return 1;
    }
  }

  /** How many requests {@code serve} runs at once. */
  static final int SERVE_THREADS = 8;

  private static int serve(RunnerConfig config, java.io.InputStream in, PrintStream out, PrintStream err) {
    PrintStream protocol = out;
    if (out == System.out) {
      // stdout carries the responses: whatever else prints there goes to stderr instead
      System.setOut(err);
    }
    try {
      return new RunnerServe(Runner.of(config), protocol, SERVE_THREADS).serve(in);
    } catch (java.io.IOException e) {
      err.println("ERROR: cannot read requests: " + e.getMessage());
      return 1;
    } catch (VrException e) {
      err.println("ERROR: " + e.getMessage());
      return 1;
    }
  }

  /** Uptest results as the runner prints them: vr's mapper (exit_code is an Optional), one line. */
  static String uptestJson(List<UptestResult> results) throws com.fasterxml.jackson.core.JsonProcessingException {
    return io.velociraptor.core.json.VrJson.json().writer()
        .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(results);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static String version() {
    String v = RunnerMain.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
