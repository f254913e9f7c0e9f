package io.velociraptor.examples.cli;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.lxc.RunnerInstall;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code vr} command-line tool. Exit codes: 0 success (and "no change" for {@code vr plan}),
 * 1 changes pending ({@code vr plan}), a run that failed, or a simulated one that fails or reverts
 * ({@code vr simulate}), 2 invalid input (usage, config file,
 * swarm file), 3 anything else (a host, the store, a build). Errors print on stderr as one line
 * plus a hint, or with {@code --json} as one JSON object {@code {"error", "hint", "exit_code"}};
 * {@code --debug} adds the stack trace.
 */
@Command(name = "vr", mixinStandardHelpOptions = true, versionProvider = VrMain.Version.class,
    description = "Velociraptor for Java: build apps, dispatch swarms of procs, watch hosts.")
public final class VrMain {
  /**
   * The subcommands, in the order help lists them. Added in code, not in the annotation: picocli
   * builds the model of every command it is given (reflection over each class and its own
   * subcommands), a good part of a short command's start-up, so a command line that names one
   * of them gets only that one ({@link #subcommandNamed}); help and anything unclear get all.
   */
  static final List<Class<?>> SUBCOMMANDS = List.of(Commands.Plan.class, Commands.Simulate.class, Commands.Dispatch.class,
      Commands.Promote.class, Commands.Revert.class, Commands.Reconcile.class, Commands.Swarms.class,
      Commands.SwarmCmd.class, Commands.Restart.class, Commands.Scale.class, Commands.Runs.class, Commands.RunCmd.class,
      Commands.Procs.class, Commands.ProcCmd.class, LogsCommand.class, Commands.Ports.class, Commands.BuildCmd.class,
      Commands.Builds.class, Commands.Snapshot.class, Commands.Events.class, ReleaseCommands.Releases.class,
      ServeCommand.class, StoreCommands.StoreCmd.class, ReleaseCommands.Rollback.class, ReleaseCommands.Gc.class,
      DemoCommand.class, CommandLine.HelpCommand.class);

  /** The root options that take a value (as a separate word unless written {@code --option=value}). */
  private static final java.util.Set<String> ROOT_OPTIONS_WITH_VALUES = java.util.Set.of("--config", "--server",
      "--token-file", "--server-ca");

  /** Exit code: done, or nothing to change. */
  public static final int OK = 0;
  /** Exit code: {@code vr plan} found changes; a dispatch's run failed. */
  public static final int CHANGES = 1;
  /** Exit code: invalid input (usage, config file, swarm file, a bad name). */
  public static final int INVALID = 2;
  /** Exit code: any other error. */
  public static final int ERROR = 3;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "the vr config file (default: $VR_CONFIG, else ./vr.yaml)")
  Path config;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print JSON for tools instead of text for people")
  boolean json;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "print stack traces with errors")
  boolean debug;

  @Option(names = "--show-secrets", scope = ScopeType.INHERIT,
      description = "print env values as they are (by default each is shown as <redacted, N bytes>)")
  boolean showSecrets;

  @Option(names = "--server", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "act through the `vr serve` API at URL instead of locally (default: $VR_SERVER)")
  String server;

  @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "with --server: the file holding the API token, readable by its owner only (default: $VR_TOKEN_FILE)")
  Path tokenFile;

  @Option(names = "--server-ca", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "with an https --server: trust these PEM certificates or this PKCS12 trust store instead of the JVM's")
  Path serverCa;

  /** The environment ($VR_CONFIG, $VR_SERVER, $VR_TOKEN_FILE); tests give their own. */
  java.util.function.UnaryOperator<String> env = System::getenv;

  private ServerClient client;

  VrMain() {}

  /**
   * Runs the tool and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    if (java.util.Arrays.asList(args).contains("--debug")) {
      // before the first logger exists: slf4j-simple reads its level once
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
      System.setProperty("org.slf4j.simpleLogger.log.io.velociraptor.core.remote.JschCommandRunner", "debug");
      System.setProperty("org.slf4j.simpleLogger.log.io.velociraptor.core.deploy.outcomes", "debug");
    }
    System.exit(run(args));
  }

  /**
   * Runs the tool without exiting (for embedding and tests).
   *
   * @param args the command line
   * @return the exit code
   */
  public static int run(String... args) {
    return run(null, null, args);
  }

  /**
   * Runs the tool without exiting, printing to the given writers (for tests).
   *
   * @param out standard output, or null for {@code System.out}
   * @param err standard error, or null for {@code System.err}
   * @param args the command line
   * @return the exit code
   */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(System::getenv, out, err, args);
  }

  /**
   * Runs the tool without exiting, with an environment of its own (for tests).
   *
   * @param env the environment variables
   * @param out standard output, or null for {@code System.out}
   * @param err standard error, or null for {@code System.err}
   * @param args the command line
   * @return the exit code
   */
  static int run(java.util.function.UnaryOperator<String> env, PrintWriter out, PrintWriter err, String... args) {
    VrMain root = new VrMain();
    root.env = env;
    CommandLine cl = commandLine(root, subcommandNamed(args));
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    // scanned, not parsed: a usage error can come before picocli has set the option, or instead of it
    boolean jsonArg = jsonAsked(args);
    cl.setExecutionStrategy(parsed -> {
      refuseLocalOnly(root, parsed);
      return new CommandLine.RunLast().execute(parsed);
    });
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof ServerException s) {
        // the server's own report of the error, as the CLI would have said it locally
        printError(line.getErr(), root.json || jsonArg, s.getMessage(), s.hint(), s.exitCode(), s.run(),
            root.debug ? e : null);
        return s.exitCode();
      }
      ErrorReport report = ErrorReport.of(e, qualified(line));
      printError(line.getErr(), root.json || jsonArg, report.message(), report.hint(), report.exitCode(), report.run(),
          root.debug ? e : null);
      return report.exitCode();
    });
    cl.setParameterExceptionHandler((e, a) -> {
      printError(e.getCommandLine().getErr(), root.json || jsonArg, e.getMessage(),
          "see `" + ("vr " + qualified(e.getCommandLine())).trim() + " --help`", INVALID, java.util.Optional.empty(), null);
      return INVALID;
    });
    return cl.execute(args);
  }

  /**
   * The command line of the tool.
   *
   * @param root the root command
   * @param only the one subcommand to have, else every one
   * @return the command line, its subcommands added
   */
  static CommandLine commandLine(VrMain root, Optional<Class<?>> only) {
    CommandLine cl = new CommandLine(root);
    for (Class<?> c : only.map(List::<Class<?>>of).orElse(SUBCOMMANDS)) {
      cl.addSubcommand(c.getAnnotation(Command.class).name(), c);
    }
    return cl;
  }

  /**
   * The subcommand a command line names, when that is certain: its first word that is no root
   * option (nor a root option's value) is a subcommand's name, and it is not {@code help}, nor
   * after a root {@code --help} or {@code --version}.
   *
   * @param args the command line
   * @return that subcommand's class; empty when the command line needs every subcommand
   */
  static Optional<Class<?>> subcommandNamed(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("-")) {
        if (ROOT_OPTIONS_WITH_VALUES.contains(a)) {
          i++; // its value
        } else if (!a.startsWith("--") || !(a.equals("--json") || a.equals("--debug") || a.equals("--show-secrets")
            || a.indexOf('=') > 0 && ROOT_OPTIONS_WITH_VALUES.contains(a.substring(0, a.indexOf('='))))) {
          return Optional.empty(); // --help, --version, --, or an option picocli will explain
        }
        continue;
      }
      for (Class<?> c : SUBCOMMANDS) {
        String name = c.getAnnotation(Command.class).name();
        if (name.equals(a) && !name.equals("help")) {
          return Optional.of(c);
        }
      }
      return Optional.empty(); // not a subcommand: picocli says so, listing them all
    }
    return Optional.empty();
  }

  /** @return whether {@code --json} is among the options (before a {@code --} that ends them) */
  static boolean jsonAsked(String... args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--json")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Prints an error: as text, one line and a hint line; with {@code --json}, one JSON object
   * {@code {"error":..., "hint":..., "exit_code":...}} on one line (for a busy swarm, a {@code run}
   * member naming the run that holds it; with {@code --debug}, a {@code stack_trace} member too).
   */
  static void printError(PrintWriter err, boolean json, String message, String hint, int exitCode,
      java.util.Optional<String> run, Throwable debug) {
    if (json) {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("error", oneLine(message == null ? "" : message));
      m.put("hint", hint);
      m.put("exit_code", exitCode);
      run.ifPresent(r -> m.put("run", r));
      if (debug != null) {
        java.io.StringWriter trace = new java.io.StringWriter();
        debug.printStackTrace(new PrintWriter(trace));
        m.put("stack_trace", trace.toString());
      }
      err.println(jsonLine(m));
    } else {
      err.println("vr: error: " + oneLine(message == null ? "" : message));
      if (hint != null) {
        err.println("hint: " + hint);
      }
      if (debug != null) {
        debug.printStackTrace(err);
      }
    }
    err.flush();
  }

  static boolean isInvalid(Throwable e) {
    return ErrorReport.isInvalid(e);
  }

  /** The error's message; a host's connection failure, however deeply wrapped, says which host. */
  static String message(Throwable e) {
    return ErrorReport.message(e);
  }

  /**
   * With a server, a command that acts only locally ({@code vr demo}, say) is refused before it
   * starts; usage help is still shown.
   */
  private static void refuseLocalOnly(VrMain root, CommandLine.ParseResult parsed) {
    CommandLine.ParseResult last = parsed;
    while (last.hasSubcommand()) {
      last = last.subcommand();
    }
    if (last.isUsageHelpRequested() || last.isVersionHelpRequested() || parsed.isUsageHelpRequested()
        || parsed.isVersionHelpRequested()) {
      return;
    }
    Object command = last.commandSpec().userObject();
    if (root.serverUrl().isPresent() && !(command instanceof Commands.Base) && !(command instanceof Commands.Group)
        && !(command instanceof CommandLine.HelpCommand) && command != root) {
      throw Commands.Base.localOnly(last.commandSpec().commandLine());
    }
  }

  /** @return the server to act through: --server, else $VR_SERVER; empty to act locally */
  Optional<String> serverUrl() {
    return Optional.ofNullable(server).or(() -> Optional.ofNullable(env.apply("VR_SERVER"))).filter(s -> !s.isBlank());
  }

  /**
   * The client of the server, made once: its token read from --token-file, else $VR_TOKEN_FILE.
   *
   * @return empty without a server
   */
  Optional<ServerClient> server() {
    Optional<String> url = serverUrl();
    if (url.isEmpty()) {
      return Optional.empty();
    }
    if (client == null) {
      Optional<Path> tokens = Optional.ofNullable(tokenFile)
          .or(() -> Optional.ofNullable(env.apply("VR_TOKEN_FILE")).filter(s -> !s.isBlank()).map(Path::of));
      client = ServerClient.of(url.get(), tokens, Optional.ofNullable(serverCa));
    }
    return Optional.of(client);
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replaceAll("\\s+", " ").trim();
  }

  /** @return the subcommand's path below {@code vr} ("swarm show"), empty for {@code vr} itself */
  static String qualified(CommandLine cl) {
    if (cl.getParent() == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(cl.getCommandName());
    for (CommandLine p = cl.getParent(); p != null && p.getParent() != null; p = p.getParent()) {
      b.insert(0, p.getCommandName() + " ");
    }
    return b.toString();
  }

  /** The config file: --config, else $VR_CONFIG, else ./vr.yaml. */
  Path configFile() {
    if (config != null) {
      return config;
    }
    return Optional.ofNullable(env.apply("VR_CONFIG")).filter(s -> !s.isBlank()).map(Path::of)
        .orElse(Path.of("vr.yaml"));
  }

  VrConfig loadConfig() {
    return VrConfig.load(configFile());
  }

  /** @return the value's JSON on one line */
  static String jsonLine(Object value) {
    try {
      return VrJson.json().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** @return the value's JSON, env values redacted (commands that honour --show-secrets use {@link Secrets}) */
  static String toJson(Object value) {
    return Secrets.json(value, false);
  }

  /** @return the install with the jar vr runs from (else this JVM's class path) as the runner's classpath on local hosts */
  static RunnerInstall.Builder runnerClasspath(RunnerInstall.Builder install) {
    try {
      Path p = Path.of(VrMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(p)) {
        return install.classpath(List.of(p));
      }
    } catch (URISyntaxException | SecurityException e) {
      // fall through to the JVM's class path
    }
    return install.classpathOfThisJvm();
  }

  /** Prints the version of the vr jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = VrMain.class.getPackage().getImplementationVersion();
      return new String[] {"vr " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
