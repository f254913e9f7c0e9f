package io.velociraptor.lxc;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.ContainerRuntime;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * The vr runner on a host, configured in one place: its root (procs, builds, images), the launcher
 * Supervisor and the runtimes call, the runtime kind, the java executable and the runner's
 * classpath. {@link #install} writes the launcher; {@link #runtime} gives the {@link
 * ContainerRuntime} that drives exactly that launcher and root, so the two cannot disagree.
 *
 * <pre>{@code
 * RunnerInstall runner = RunnerInstall.builder().root(Path.of("/apps")).runtime(RuntimeKind.LXC)
 *     .classpathOfThisJvm().build();          // or .runnerJar(Path.of("lib/vr-lxc-runner.jar"))
 * runner.install(host);                       // writes /apps/bin/vr-runner on the host
 * ContainerRuntime runtime = runner.runtime(Duration.ofMinutes(2));
 * }</pre>
 *
 * <p>Paths are host paths (POSIX). The runner's classpath is one of: paths already on the host
 * ({@link Builder#classpath}), this JVM's class path ({@link Builder#classpathOfThisJvm}, for a
 * host that is this machine or has the same layout), or the self-contained runner jar (vr-lxc's
 * {@code runner} classifier: {@link Builder#runnerJar}, {@link Builder#runnerJarResource}), which
 * {@link #install} uploads to {@code <root>/lib/vr-runner.jar}. The last is the way for an app
 * packaged as a Spring Boot fat jar, whose nested jars no {@code java -cp} can load.
 */
public final class RunnerInstall {
  /** Where {@link #install} puts the runner jar on the host, relative to the root. */
  static final String RUNNER_JAR = "lib/vr-runner.jar";
  /** What a runner jar must hold: the runner's main class, and vr-core (it is self-contained). */
  private static final List<String> RUNNER_JAR_CLASSES = List.of(
      "io/velociraptor/lxc/RunnerMain.class", "io/velociraptor/core/VrException.class",
      // an older runner jar lacks serve: the runtimes would fall back to a JVM per step
      "io/velociraptor/lxc/RunnerServe.class");

  private final RunnerConfig config;
  private final Path launcher;
  private final Path java;
  /** The classpath on the host; empty if none was given (then {@link #install} refuses). */
  private final List<Path> classpath;
  /** The runner jar to upload, when the classpath is the runner jar. */
  private final Optional<JarSource> runnerJar;

  private RunnerInstall(Builder b) {
    this.config = b.config.build();
    Path root = config.root();
    this.launcher = hostPath("runner launcher", b.launcher == null ? root.resolve("bin/vr-runner") : b.launcher);
    this.java = hostPath("java executable", b.java);
    if (!b.classpath.isEmpty() && b.runnerJar != null) {
      throw RunnerException.badValue("runner classpath", join(b.classpath),
          "was given together with the runner jar " + b.runnerJar.shown()
          + "; give either classpath(..)/classpathOfThisJvm() or runnerJar(..)");
    }
    this.runnerJar = Optional.ofNullable(b.runnerJar);
    if (b.runnerJar != null) {
      b.runnerJar.check();
      this.classpath = List.of(root.resolve(RUNNER_JAR));
    } else {
      List<Path> cp = new ArrayList<>();
      for (Path p : b.classpath) {
        Path entry = hostPath("runner classpath entry", p);
        if (entry.toString().indexOf(':') >= 0) {
          throw RunnerException.badValue("runner classpath entry", entry, "contains ':', the classpath separator");
        }
        refuseSpringBootJar(entry);
        cp.add(entry);
      }
      this.classpath = List.copyOf(cp);
    }
  }

  /**
   * A builder with the defaults: root {@code /apps}, launcher {@code <root>/bin/vr-runner}, LXC,
   * this JVM's java, host network and no classpath yet.
   *
   * @return a builder: root {@code /apps}, launcher {@code <root>/bin/vr-runner}, LXC, this JVM's java
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The runner's root on the host, holding procs/, builds/ and images/.
   *
   * @return the runner's root on the host, holding procs/, builds/, images/
   */
  public Path root() {
    return config.root();
  }

  /**
   * The launcher's path on the host, the command Supervisor's {@code command=} starts.
   *
   * @return the launcher's path on the host, what Supervisor's {@code command=} starts
   */
  public Path launcher() {
    return launcher;
  }

  /**
   * The runtime the launcher starts procs with.
   *
   * @return the runtime the launcher starts procs with
   */
  public RuntimeKind runtimeKind() {
    return config.runtime();
  }

  /**
   * The java executable on the host that the launcher runs the runner with.
   *
   * @return the java executable on the host
   */
  public Path java() {
    return java;
  }

  /**
   * The runner's classpath on the host, as the launcher passes it to {@code java -cp}.
   *
   * @return the runner's classpath on the host as the launcher uses it ({@code <root>/lib/vr-runner.jar}
   *     for a runner jar); empty if none was given
   */
  public List<Path> classpath() {
    return classpath;
  }

  /**
   * The runner settings baked into the launcher, also usable for a {@link Runner} in this JVM.
   *
   * @return the runner settings baked into the launcher, for a {@link Runner} in this JVM
   */
  public RunnerConfig config() {
    return config;
  }

  /**
   * The launcher script {@link #install} writes: a shell script that runs the runner with this
   * java, classpath and config.
   *
   * @return the launcher script {@link #install} writes
   * @throws RunnerException if no classpath was given
   */
  public String script() {
    if (classpath.isEmpty()) {
      throw RunnerException.failed("runner classpath", "no runner classpath was given for the runner at "
          + root() + ": give classpath(..), classpathOfThisJvm() or runnerJar(..)");
    }
    return RunnerLauncher.script(java.toString(), join(classpath), config);
  }

  /**
   * Writes the launcher (mode 0755) and, for a runner jar, uploads the jar to {@code
   * <root>/lib/vr-runner.jar} first. Checks before writing anything that the root lies inside
   * the host runner's removal root (when it has one): the runtimes later remove directories
   * under the root through that runner (one-shot containers), which it would refuse.
   *
   * @param host the host, reached through a command runner whose removal root holds {@link #root()}
   * @throws RunnerException if the root is outside the runner's removal root (naming both), no
   *     classpath was given, or the runner jar cannot be read
   * @throws io.velociraptor.core.VrException if a command or upload on the host fails
   */
  public void install(CommandRunner host) {
    Optional<String> removalRoot = host.removalRoot();
    if (removalRoot.isPresent() && !root().startsWith(Path.of(removalRoot.get()))) {
      throw RunnerException.badValue("runner root", root(), "is not inside the removal root "
          + removalRoot.get() + " of the command runner for " + host.host()
          + ": it could not remove the runner's directories later; give the command runner a root"
          + " that holds " + root() + " (e.g. .root(" + root() + "))");
    }
    String script = script();
    List<String> dirs = new ArrayList<>(List.of(parent(launcher)));
    runnerJar.ifPresent(j -> dirs.add(parent(classpath.get(0))));
    List<String> mkdir = new ArrayList<>(List.of("mkdir", "-p", "--"));
    mkdir.addAll(dirs.stream().distinct().toList());
    host.runChecked(Command.builder().argv(mkdir).build());
    if (runnerJar.isPresent()) {
      runnerJar.get().uploadTo(host, classpath.get(0).toString());
    }
    host.upload(script.getBytes(StandardCharsets.UTF_8), launcher.toString(), 0755);
  }

  /**
   * The container runtime for {@link #runtimeKind()} that drives this launcher and root.
   *
   * @param setupTimeout how long setup (download, unpack) and teardown may take
   * @return the runtime for {@link #runtimeKind()} driving this launcher and root
   * @throws RunnerException if the timeout is not positive
   */
  public ContainerRuntime runtime(Duration setupTimeout) {
    return config.runtime() == RuntimeKind.LXC ? lxcRuntime(setupTimeout) : plainRuntime(setupTimeout);
  }

  /**
   * The plain-process runtime that drives this launcher and root, for a runner built with {@code
   * runtime(RuntimeKind.PLAIN)}.
   *
   * @param setupTimeout how long setup and teardown may take
   * @return the plain runtime driving this launcher and root
   * @throws RunnerException if the runner is installed for LXC (its launcher would start LXC
   *     containers), or the timeout is not positive
   */
  public PlainContainerRuntime plainRuntime(Duration setupTimeout) {
    return new PlainContainerRuntime(settings(RuntimeKind.PLAIN, setupTimeout));
  }

  /**
   * The LXC runtime that drives this launcher and root, for a runner built for LXC (the default).
   *
   * @param setupTimeout how long setup (download, unpack) and teardown may take
   * @return the LXC runtime driving this launcher and root
   * @throws RunnerException if the runner is installed for plain processes, or the timeout is not
   *     positive
   */
  public LxcContainerRuntime lxcRuntime(Duration setupTimeout) {
    return new LxcContainerRuntime(settings(RuntimeKind.LXC, setupTimeout));
  }

  private RuntimeSettings settings(RuntimeKind asked, Duration setupTimeout) {
    if (asked != config.runtime()) {
      throw RunnerException.badValue("runtime", name(asked), "does not match the runner at " + root()
          + ", installed with --runtime " + name(config.runtime()) + "; ask runtime(..) or build the"
          + " RunnerInstall with runtime(RuntimeKind." + asked + ")");
    }
    return new RuntimeSettings(launcher.toString(), root().toString(), setupTimeout, 50);
  }

  private static String name(RuntimeKind k) {
    return k.name().toLowerCase(Locale.ROOT);
  }

  /** A short description for logs: the root, the launcher and the runtime. */
  @Override
  public String toString() {
    return "RunnerInstall[root=" + root() + ", launcher=" + launcher + ", runtime=" + name(config.runtime()) + "]";
  }

  private static String join(List<Path> paths) {
    return paths.stream().map(Path::toString).collect(Collectors.joining(":"));
  }

  private static String parent(Path p) {
    Path parent = p.getParent();
    return parent == null ? "/" : parent.toString();
  }

  /** A host path: absolute, normalised, no control characters (it goes into a script). */
  static Path hostPath(String what, Path p) {
    Objects.requireNonNull(p, what);
    String s = p.toString();
    if (!s.startsWith("/")) {
      throw RunnerException.badValue(what, s, "must be an absolute path");
    }
    if (s.chars().anyMatch(Character::isISOControl)) {
      throw RunnerException.badValue(what, s, "contains a control character");
    }
    if (!p.normalize().toString().equals(s) || s.endsWith("/")) {
      throw RunnerException.badValue(what, s, "is not normalised (no '.', '..', '//' or trailing '/')");
    }
    return p;
  }

  /** A Spring Boot jar as a classpath entry: java -cp sees its BOOT-INF/ only as resources. */
  private static void refuseSpringBootJar(Path entry) {
    if (!Files.isRegularFile(entry)) {
      return; // a path on another host, a directory or a wildcard
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Attributes main = jar.getManifest() == null ? null : jar.getManifest().getMainAttributes();
      if (jar.getEntry("BOOT-INF/") != null || jar.getEntry("BOOT-INF/lib/") != null
          || (main != null && main.getValue("Spring-Boot-Version") != null)) {
        throw RunnerException.badValue("runner classpath entry", entry, "is a Spring Boot fat jar: the runner"
            + " cannot load the jars nested in it; install from the runner jar instead (runnerJar(..) with"
            + " io.velociraptor:vr-lxc's 'runner' classifier, see docs/runner.md)");
      }
    } catch (IOException notAJar) {
      // not a jar: java will say so
    }
  }

  /** Where the runner jar comes from: a local file or a class path resource. */
  private interface JarSource {
    String shown();

    void check();

    void uploadTo(CommandRunner host, String remote);
  }

  private static void checkRunnerJar(Path jarFile, String shown) {
    try (JarFile jar = new JarFile(jarFile.toFile())) {
      for (String cls : RUNNER_JAR_CLASSES) {
        if (jar.getEntry(cls) == null) {
          throw RunnerException.badValue("runner jar", shown, "is not the self-contained runner jar: it lacks "
              + cls + " (use io.velociraptor:vr-lxc with classifier 'runner', vr-lxc-<version>-runner.jar)");
        }
      }
    } catch (IOException e) {
      throw new RunnerException("runner jar", shown, "runner jar \"" + shown + "\" cannot be read as a jar: " + e, e);
    }
  }

  private record LocalJar(Path file) implements JarSource {
    @Override
    public String shown() {
      return file.toString();
    }

    @Override
    public void check() {
      if (!Files.isRegularFile(file)) {
        throw RunnerException.badValue("runner jar", file, "does not exist or is not a regular file");
      }
      checkRunnerJar(file, shown());
    }

    @Override
    public void uploadTo(CommandRunner host, String remote) {
      host.upload(file, remote, 0644);
    }
  }

  private record ResourceJar(ClassLoader loader, String name) implements JarSource {
    @Override
    public String shown() {
      return "class path resource " + name;
    }

    private URL url() {
      URL url = loader.getResource(name);
      if (url == null) {
        throw RunnerException.badValue("runner jar resource", name, "is not on the class path");
      }
      return url;
    }

    @Override
    public void check() {
      withCopy(copy -> { });
    }

    @Override
    public void uploadTo(CommandRunner host, String remote) {
      withCopy(copy -> host.upload(copy, remote, 0644));
    }

    /** The resource may sit inside a (fat) jar: copied to a temporary file, checked, then used. */
    private void withCopy(java.util.function.Consumer<Path> use) {
      URL url = url();
      Path copy = null;
      try {
        copy = Files.createTempFile("vr-runner-", ".jar");
        try (InputStream in = url.openStream()) {
          Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        checkRunnerJar(copy, shown());
        use.accept(copy);
      } catch (IOException e) {
        throw new RunnerException("runner jar resource", name, "cannot read the runner jar resource "
            + name + " (" + url + "): " + e, e);
      } finally {
        if (copy != null) {
          try {
            Files.deleteIfExists(copy);
          } catch (IOException ignored) {
            // a temporary file
          }
        }
      }
    }
  }

  /** Builds a {@link RunnerInstall}. */
  public static final class Builder {
    private final RunnerConfig.Builder config = RunnerConfig.builder();
    private Path launcher;
    private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    private final List<Path> classpath = new ArrayList<>();
    private JarSource runnerJar;

    private Builder() {}

    /**
     * Sets the runner's root on the host, holding procs/, builds/ and images/, default {@code
     * /apps}.
     *
     * @param root absolute, normalised directory without whitespace on the host, holding procs/,
     *     builds/, images/; default {@code /apps}
     * @return this
     */
    public Builder root(Path root) {
      config.root(Objects.requireNonNull(root, "root"));
      return this;
    }

    /**
     * Sets where the launcher goes on the host, default {@code <root>/bin/vr-runner}.
     *
     * @param launcher absolute path of the launcher on the host, default {@code <root>/bin/vr-runner}
     * @return this
     */
    public Builder launcher(Path launcher) {
      this.launcher = Objects.requireNonNull(launcher, "launcher");
      return this;
    }

    /**
     * Sets the runtime the launcher starts procs with, default LXC.
     *
     * @param runtime LXC (the default) or PLAIN
     * @return this
     */
    public Builder runtime(RuntimeKind runtime) {
      config.runtime(runtime);
      return this;
    }

    /**
     * Sets the java executable (17+) on the host, default this JVM's.
     *
     * @param java absolute path of the java executable (17+) on the host, default this JVM's
     *     ({@code java.home}/bin/java): set it for a host that is not this machine
     * @return this
     */
    public Builder java(Path java) {
      this.java = Objects.requireNonNull(java, "java");
      return this;
    }

    /**
     * Adds entries to the runner's classpath on the host, default none (then {@link
     * RunnerInstall#install} refuses).
     *
     * @param entries the runner's classpath on the host (absolute jars, directories or {@code dir/*}):
     *     vr-lxc, vr-core and their dependencies; added to what was given before
     * @return this
     */
    public Builder classpath(List<Path> entries) {
      classpath.addAll(List.copyOf(entries));
      return this;
    }

    /**
     * Uses this JVM's {@code java.class.path} (made absolute) as the runner's classpath: right
     * for a host that is this machine. Refused at {@link #build} if it is a Spring Boot fat jar.
     *
     * @return this
     */
    public Builder classpathOfThisJvm() {
      return classpath(parseClasspath(System.getProperty("java.class.path", "")));
    }

    static List<Path> parseClasspath(String javaClassPath) {
      List<Path> out = new ArrayList<>();
      for (String e : javaClassPath.split(File.pathSeparator)) {
        if (!e.isEmpty()) {
          out.add(Path.of(e).toAbsolutePath().normalize());
        }
      }
      return out;
    }

    /**
     * Installs the runner from the self-contained runner jar ({@code io.velociraptor:vr-lxc}, classifier
     * {@code runner}) on this machine: {@link RunnerInstall#install} uploads it to {@code
     * <root>/lib/vr-runner.jar} on the host, the launcher's whole classpath.
     *
     * @param localJar the runner jar on this machine
     * @return this
     */
    public Builder runnerJar(Path localJar) {
      this.runnerJar = new LocalJar(Objects.requireNonNull(localJar, "localJar").toAbsolutePath().normalize());
      return this;
    }

    /**
     * As {@link #runnerJar(Path)}, with the runner jar a resource on the class path, e.g. copied
     * into the app's classes (which, in a Spring Boot fat jar, is inside that jar).
     *
     * @param loader the class loader that sees the resource
     * @param name the resource name, e.g. {@code vr/vr-lxc-runner.jar}
     * @return this
     */
    public Builder runnerJarResource(ClassLoader loader, String name) {
      this.runnerJar = new ResourceJar(Objects.requireNonNull(loader, "loader"), Objects.requireNonNull(name, "name"));
      return this;
    }

    /**
     * Adds a host directory volumes may be taken from; by default there is none, so no volumes are
     * allowed.
     *
     * @param dir an absolute, normalised host directory volumes may be taken from
     * @return this
     */
    public Builder allowVolumesUnder(Path dir) {
      config.allowVolumesUnder(dir);
      return this;
    }

    /**
     * Sets whether containers share the host's network, default true.
     *
     * @param hostNetwork true (the default) to share the host's network, false for loopback only
     * @return this
     */
    public Builder hostNetwork(boolean hostNetwork) {
      config.hostNetwork(hostNetwork);
      return this;
    }

    /**
     * Sets the per-script uptest timeout used when the caller gives none, default 60 seconds.
     *
     * @param timeout default per-script uptest timeout
     * @return this
     */
    public Builder uptestTimeout(Duration timeout) {
      config.uptestTimeout(timeout);
      return this;
    }

    /**
     * Builds the install, checking its paths and the runner jar.
     *
     * @return the install
     * @throws RunnerException naming the value if the root, launcher, java or a classpath entry
     *     is not an absolute, normalised path, a classpath entry is a Spring Boot fat jar, both a
     *     classpath and a runner jar were given, or the runner jar is missing or not the runner jar
     */
    public RunnerInstall build() {
      return new RunnerInstall(this);
    }
  }
}
