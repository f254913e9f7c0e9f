package io.velociraptor.core.remote;

import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandFailedException;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.PathRefusedException;
import io.velociraptor.core.spi.RemoteFileException;
import io.velociraptor.core.spi.RunningCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands on this machine with {@link ProcessBuilder} (the argv goes to the program
 * unchanged, no shell) and does file operations with {@code java.nio}. Host name {@code
 * localhost}. Thread-safe.
 *
 * <p>A timeout sends SIGTERM to the command and every process it started, waits up to {@link
 * #KILL_GRACE} and then sends SIGKILL.
 */
public final class LocalCommandRunner implements CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCommandRunner.class);

  /** How long a timed-out command gets between SIGTERM and SIGKILL. */
  public static final Duration KILL_GRACE = Duration.ofSeconds(2);

  /** The default removal root, the original's layout ({@code /apps/procs}, {@code /apps/builds}). */
  public static final String DEFAULT_ROOT = "/apps";

  private final String root;
  private final ExecutorService io;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final String name;

  private LocalCommandRunner(Builder b) {
    this.root = b.root;
    this.name = b.name;
    AtomicInteger n = new AtomicInteger();
    this.io = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "vr-local-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * A local runner whose {@link #remove} is confined to {@link #DEFAULT_ROOT}.
   *
   * @return a new runner; close it when done
   */
  public static LocalCommandRunner create() {
    return builder().build();
  }

  /**
   * A builder, to set the removal root.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The name given to the builder, {@code localhost} by default. */
  @Override
  public String host() {
    return name;
  }

  /** The normalized directory {@link #remove} is confined to. */
  public String root() {
    return root;
  }

  /** @return {@link #root()}, the directory {@link #remove} is confined to */
  @Override
  public Optional<String> removalRoot() {
    return Optional.of(root);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public CommandResult run(Command command) {
    return execute(command, null);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public CommandResult stream(Command command, LineListener listener) {
    return execute(command, listener);
  }

  private CommandResult execute(Command command, LineListener listener) {
    ensureOpen();
    long started = System.nanoTime();
    Process process;
    try {
      process = start(command);
    } catch (CannotStart e) {
      return cannotStart(e.code, e.getMessage(), started);
    }
    Object listenerLock = new Object();
    OutputCollector out = new OutputCollector(
        LineListener.Channel.STDOUT, command.outputLimit(), listener, listenerLock);
    OutputCollector err = new OutputCollector(
        LineListener.Channel.STDERR, command.outputLimit(), listener, listenerLock);
    Future<?> outPump = io.submit(() -> pump(process.getInputStream(), out));
    Future<?> errPump = io.submit(() -> pump(process.getErrorStream(), err));
    Future<?> stdinPump = io.submit(() -> feed(process, command));
    long deadline = started + command.timeout().toNanos();
    boolean timedOut = false;
    try {
      if (!process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        timedOut = true;
        killTree(process);
      }
      // a background child may hold the pipes open after the command exits: wait for the
      // pipes until the deadline, then count it as a timeout too
      if (!awaitPump(outPump, deadline) || !awaitPump(errPump, deadline)) {
        timedOut = true;
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
        awaitPump(outPump, System.nanoTime() + KILL_GRACE.toNanos());
        awaitPump(errPump, System.nanoTime() + KILL_GRACE.toNanos());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killTree(process);
      throw new IllegalStateException("interrupted while running " + command.display(), e);
    } finally {
      stdinPump.cancel(true);
    }
    return CommandResult.builder()
        .exitCode(process.isAlive() ? CommandResult.TIMED_OUT_EXIT_CODE : process.exitValue())
        .stdout(out.text())
        .stderr(err.text())
        .stdoutTruncated(out.truncated())
        .stderrTruncated(err.truncated())
        .timedOut(timedOut)
        .duration(Duration.ofNanos(System.nanoTime() - started))
        .build();
  }

  /** Why a command could not be started, with the exit code a shell would give. */
  private static final class CannotStart extends Exception {
    private static final long serialVersionUID = 1L;
    final int code;

    CannotStart(int code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private static Process start(Command command) throws CannotStart {
    List<String> argv = CommandLines.effectiveArgv(command);
    ProcessBuilder pb = new ProcessBuilder(argv);
    if (command.sudoUser().isEmpty()) {
      pb.environment().putAll(command.env());
    }
    if (command.workingDir().isPresent()) {
      Path dir = Path.of(command.workingDir().get());
      if (!Files.isDirectory(dir)) {
        throw new CannotStart(126, "vr: cannot use working directory " + dir + ": no such directory");
      }
      pb.directory(dir.toFile());
    }
    try {
      Process process = pb.start();
      LOG.debug("started {} as pid {}", command, process.pid());
      return process;
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      int code = message.contains("error=2,") ? 127 : 126;
      throw new CannotStart(code, "vr: cannot run program '" + argv.get(0) + "': " + message);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: a {@link Process}; {@link RunningCommand#destroy()} kills it and its descendants as
   * a timeout does (SIGTERM, {@link #KILL_GRACE}, SIGKILL).
   *
   * @throws CommandFailedException if the program cannot be started (exit 127 or 126, as
   *     {@link #run} reports it), naming the host and argv
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public RunningCommand open(Command command) {
    ensureOpen();
    long started = System.nanoTime();
    Process process;
    try {
      process = start(command);
    } catch (CannotStart e) {
      throw new CommandFailedException(host(), command, cannotStart(e.code, e.getMessage(), started));
    }
    if (command.stdin().isPresent()) {
      try {
        process.getOutputStream().write(command.stdin().get());
        process.getOutputStream().flush();
      } catch (IOException e) {
        LOG.debug("stdin not fully consumed by {}: {}", command.display(), e.toString());
      }
    }
    return new LocalRunning(process);
  }

  private static final class LocalRunning implements RunningCommand {
    private final Process process;

    LocalRunning(Process process) {
      this.process = process;
    }

    @Override
    public OutputStream stdin() {
      return process.getOutputStream();
    }

    @Override
    public InputStream stdout() {
      return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
      return process.getErrorStream();
    }

    @Override
    public OptionalInt waitFor(Duration timeout) {
      try {
        return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)
            ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for pid " + process.pid(), e);
      }
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void destroy() {
      if (process.isAlive()) {
        killTree(process);
      }
      closeQuietly(process.getInputStream());
      closeQuietly(process.getErrorStream());
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        LOG.debug("closing stdin of pid {} failed: {}", process.pid(), e.toString());
      }
    }

    @Override
    public String toString() {
      return "local pid " + process.pid();
    }
  }

  private static CommandResult cannotStart(int code, String message, long started) {
    return CommandResult.builder()
        .exitCode(code)
        .stderr(message + "\n")
        .duration(Duration.ofNanos(System.nanoTime() - started))
        .build();
  }

  private static boolean awaitPump(Future<?> pump, long deadline) throws InterruptedException {
    try {
      pump.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      LOG.debug("output pump failed", e.getCause());
      return true;
    }
  }

  private static void pump(InputStream in, OutputCollector sink) {
    byte[] buffer = new byte[8192];
    try (in; sink) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        sink.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // the pipe was closed under us after a timeout; what was read is kept
      LOG.debug("output pipe closed early: {}", e.toString());
    }
  }

  private static void feed(Process process, Command command) {
    try (OutputStream stdin = process.getOutputStream()) {
      if (command.stdin().isPresent()) {
        stdin.write(command.stdin().get());
      }
    } catch (IOException e) {
      // the command exited (or closed stdin) without reading all of it: not our failure
      LOG.debug("stdin not fully consumed by {}: {}", command.display(), e.toString());
    }
  }

  /**
   * SIGTERM to the command and its descendants, SIGKILL to what is left after the grace. Parents
   * are signalled before their children, so that no parent sees a child die and goes on.
   */
  private static void killTree(Process process) {
    List<ProcessHandle> tree = topDown(process.toHandle());
    process.destroy();
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + KILL_GRACE.toNanos();
    for (ProcessHandle p : tree) {
      awaitExit(p, deadline);
    }
    awaitExit(process.toHandle(), deadline);
    tree.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(KILL_GRACE.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<ProcessHandle> topDown(ProcessHandle root) {
    List<ProcessHandle> order = new ArrayList<>();
    Deque<ProcessHandle> queue = new ArrayDeque<>();
    root.children().forEach(queue::add);
    while (!queue.isEmpty()) {
      ProcessHandle p = queue.poll();
      order.add(p);
      p.children().forEach(queue::add);
    }
    return order;
  }

  private static void awaitExit(ProcessHandle p, long deadline) {
    try {
      p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // SIGKILL follows
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing a pipe failed: {}", e.toString());
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void upload(byte[] content, String remotePath, int mode) {
    ensureOpen();
    writeAtomically(remotePath, mode, out -> out.write(content));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void upload(Path localFile, String remotePath, int mode) {
    ensureOpen();
    if (!Files.isRegularFile(localFile)) {
      throw new RemoteFileException(host(), "upload", remotePath,
          "the local file " + localFile + " does not exist or is not a regular file", null);
    }
    writeAtomically(remotePath, mode, out -> Files.copy(localFile, out));
  }

  private interface Writer {
    void writeTo(OutputStream out) throws IOException;
  }

  private void writeAtomically(String remotePath, int mode, Writer writer) {
    RemotePaths.checkFile(host(), "upload", remotePath);
    RemotePaths.checkMode(mode);
    Path target = Path.of(remotePath);
    Path dir = target.getParent();
    Path temp = null;
    try {
      temp = Files.createTempFile(dir, "." + target.getFileName() + ".vr-", ".tmp");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(channel)) {
        writer.writeTo(out);
        out.flush();
        channel.force(true);
      }
      Files.setPosixFilePermissions(temp, permissions(mode));
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } catch (NoSuchFileException e) {
      throw new RemoteFileException(host(), "upload", remotePath,
          "the directory " + dir + " does not exist", e);
    } catch (IOException | UncheckedIOException e) {
      throw new RemoteFileException(host(), "upload", remotePath, e.toString(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          LOG.warn("could not delete the temporary file {}", temp, e);
        }
      }
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public byte[] download(String remotePath) {
    ensureOpen();
    RemotePaths.checkAbsolute(host(), "download", remotePath);
    try {
      return Files.readAllBytes(Path.of(remotePath));
    } catch (NoSuchFileException e) {
      throw new RemoteFileException(host(), "download", remotePath, "no such file", e);
    } catch (IOException e) {
      throw new RemoteFileException(host(), "download", remotePath, e.toString(), e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public boolean exists(String remotePath) {
    ensureOpen();
    RemotePaths.checkAbsolute(host(), "exists", remotePath);
    return Files.exists(Path.of(remotePath), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void remove(String remotePath, boolean recursive) {
    ensureOpen();
    String normal = RemotePaths.checkRemovable(host(), root, remotePath);
    Path target;
    try {
      Path realRoot = Path.of(root).toRealPath();
      Path realParent = Path.of(RemotePaths.parent(normal)).toRealPath();
      target = realParent.resolve(RemotePaths.fileName(normal));
      if (!target.startsWith(realRoot) || target.equals(realRoot)) {
        throw new PathRefusedException(host(), "remove", remotePath,
            "it resolves to " + target + ", which is not inside the runner's root " + realRoot);
      }
    } catch (NoSuchFileException e) {
      return; // the root or a parent is missing, so the path is too
    } catch (IOException e) {
      throw new RemoteFileException(host(), "remove", remotePath, e.toString(), e);
    }
    try {
      if (recursive && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        FileTrees.deleteTree(target);
      } else {
        Files.deleteIfExists(target);
      }
    } catch (DirectoryNotEmptyException e) {
      throw new RemoteFileException(host(), "remove", remotePath,
          "it is a non-empty directory; remove it with recursive=true", e);
    } catch (IOException e) {
      throw new RemoteFileException(host(), "remove", remotePath, e.toString(), e);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the local command runner is closed");
    }
  }

  /** Stops the runner's I/O threads. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      io.shutdownNow();
    }
  }

  /** The runner's name and root directory, for messages. */
  @Override
  public String toString() {
    return "LocalCommandRunner[" + name + ", root=" + root + "]";
  }

  /** Builds a {@link LocalCommandRunner}. */
  public static final class Builder {
    private String root = DEFAULT_ROOT;
    private String name = "localhost";

    private Builder() {}

    /**
     * Names the host this runner stands for in messages (several simulated hosts on one machine,
     * each with its own supervisord, are told apart this way).
     *
     * @param name the host name to report, default {@code localhost}
     * @return this builder
     * @throws IllegalArgumentException if the name is blank
     */
    public Builder name(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a local runner's host name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * Confines {@link LocalCommandRunner#remove} to paths strictly inside this directory.
     *
     * @param root an absolute directory, default {@link LocalCommandRunner#DEFAULT_ROOT}
     * @return this builder
     * @throws IllegalArgumentException if the root is not absolute
     */
    public Builder root(String root) {
      this.root = RemotePaths.checkRoot(root);
      return this;
    }

    /**
     * Confines {@link LocalCommandRunner#remove} to paths strictly inside this directory.
     *
     * @param root an absolute directory
     * @return this builder
     * @throws IllegalArgumentException if the root is not absolute
     */
    public Builder root(Path root) {
      return root(root.toAbsolutePath().toString());
    }

    /**
     * Builds the runner; close it when done.
     *
     * @return the runner; close it when done
     */
    public LocalCommandRunner build() {
      return new LocalCommandRunner(this);
    }
  }
}
