package io.velociraptor.core.remote;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.spi.CommandRunner;
import io.velociraptor.core.spi.HostConnectionException;
import io.velociraptor.core.spi.LineListener;
import io.velociraptor.core.spi.PathRefusedException;
import io.velociraptor.core.spi.RemoteFileException;
import io.velociraptor.core.spi.RunningCommand;
import io.velociraptor.core.spi.ShellQuoting;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands and moves files on a host over SSH, with JSch ({@code com.github.mwiede:jsch}).
 * Thread-safe.
 *
 * <ul>
 *   <li><b>One session per host</b>, opened on first use, reused by every command (each runs in
 *       its own exec channel) and closed by {@link #close()}. A session found dead is reopened
 *       once, transparently, when a command cannot be started on it; a session that dies while a
 *       command runs is a {@link HostConnectionException}, because the command may have run.
 *   <li><b>Concurrency</b>: at most {@link Builder#maxConcurrentCommands} channels at once
 *       (default {@value #DEFAULT_MAX_CONCURRENT_COMMANDS}, below sshd's default {@code
 *       MaxSessions 10}); more commands wait their turn, within their own timeout.
 *   <li><b>Host keys</b> are checked against a known_hosts file (default {@code
 *       ~/.ssh/known_hosts}); an unknown or changed key is a {@link HostKeyRejectedException}
 *       naming the host and the key's fingerprint. Accepting any key exists only for tests, and
 *       is logged as a warning on every connection.
 *   <li><b>Auth</b>: private keys (ed25519, ECDSA, RSA with SHA-2 signatures) and an optional
 *       password. Neither is ever logged.
 *   <li><b>Commands</b>: the argv is POSIX-quoted into one line for the remote user's login
 *       shell, which must be POSIX ({@code sh}, {@code dash}, {@code bash}). The line prints the
 *       shell's pid on stderr (the runner strips it) and then {@code exec}s the argv, so the
 *       command leads its own process group; a timeout kills that group through a second
 *       channel (SIGTERM, then SIGKILL after {@link LocalCommandRunner#KILL_GRACE}).
 *   <li><b>Files</b> move through {@code sh}, {@code mktemp}, {@code cat}, {@code chmod}, {@code
 *       mv}, {@code realpath} and {@code rm} on the host (coreutils), so uploads are atomic and
 *       honour the same checks as the local runner.
 * </ul>
 */
public final class JschCommandRunner implements CommandRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JschCommandRunner.class);

  /** Default cap on commands running at once on the session. */
  public static final int DEFAULT_MAX_CONCURRENT_COMMANDS = 8;

  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

  private final String host;
  private final String address;
  private final int port;
  private final String user;
  private final List<String> identityNames;
  private final byte[] password;
  private final Path knownHosts;
  private final boolean acceptAnyHostKey;
  private final Duration connectTimeout;
  private final Duration keepAlive;
  private final Duration fileTimeout;
  private final String root;
  private final JSch jsch;
  private final Semaphore channels;
  private final ExecutorService io;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger sessionsOpened = new AtomicInteger();
  private final Object sessionLock = new Object();
  private final Object channelClosed = new Object();
  private Session session; // guarded by sessionLock

  private JschCommandRunner(Builder b) {
    this.host = b.name != null ? b.name : b.host;
    this.address = b.host;
    this.port = b.port;
    this.user = b.user;
    this.password = b.password;
    this.knownHosts = b.knownHosts;
    this.acceptAnyHostKey = b.acceptAnyHostKey;
    this.connectTimeout = b.connectTimeout;
    this.keepAlive = b.keepAlive;
    this.fileTimeout = b.fileTimeout;
    this.root = b.root;
    this.channels = new Semaphore(b.maxConcurrentCommands, true);
    this.jsch = new JSch();
    jsch.setInstanceLogger(new JschLog());
    List<String> names = new ArrayList<>();
    for (Identity id : b.identities) {
      try {
        jsch.addIdentity(id.name, id.privateKey.clone(), null,
            id.passphrase == null ? null : id.passphrase.clone());
        names.add(id.name);
      } catch (JSchException e) {
        // the message names the key source; JSch's own text never holds key material
        throw new IllegalArgumentException("cannot use the private key " + id.name + ": "
            + e.getMessage(), e);
      }
    }
    this.identityNames = List.copyOf(names);
    AtomicInteger n = new AtomicInteger();
    this.io = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "vr-ssh-" + host + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (acceptAnyHostKey) {
      LOG.warn("SSH runner for {} ACCEPTS ANY HOST KEY: connections are open to "
          + "man-in-the-middle attacks; use this only in tests", hostAndPort());
    }
  }

  /**
   * A builder. Required: {@link Builder#host}, {@link Builder#user}, and a key or password.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the host's name for messages: the model host's name if built from a {@link Host}, else
   * the address given to the builder.
   *
   * @return the host's name for messages: the model host's name if built from a {@link
   *     Host}, else the address given to the builder
   */
  @Override
  public String host() {
    return host;
  }

  /** The SSH port. */
  public int port() {
    return port;
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
   * How many SSH sessions this runner has opened so far: 1 while the first session lives, one
   * more for each reconnect.
   *
   * @return the number of sessions opened
   */
  public int sessionsOpened() {
    return sessionsOpened.get();
  }

  private String hostAndPort() {
    return host.equals(address) ? address + ":" + port : host + " (" + address + ":" + port + ")";
  }

  // ---------------------------------------------------------------- commands

  /**
   * {@inheritDoc}
   *
   * @throws HostKeyRejectedException if the host's key is unknown or changed
   * @throws HostAuthenticationException if the host refuses the credentials
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public CommandResult run(Command command) {
    return execute(command, null, null).result;
  }

  /**
   * {@inheritDoc}
   *
   * @throws HostKeyRejectedException if the host's key is unknown or changed
   * @throws HostAuthenticationException if the host refuses the credentials
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public CommandResult stream(Command command, LineListener listener) {
    return execute(command, Objects.requireNonNull(listener, "listener"), null).result;
  }

  private interface Stdin {
    void writeTo(OutputStream out) throws IOException;
  }

  private static final class Execution {
    final CommandResult result;
    final OutputCollector stdout;

    Execution(CommandResult result, OutputCollector stdout) {
      this.result = result;
      this.stdout = stdout;
    }
  }

  private Execution execute(Command command, LineListener listener, Stdin stdinOverride) {
    ensureOpen();
    long started = System.nanoTime();
    long deadline = started + command.timeout().toNanos();
    Object listenerLock = new Object();
    OutputCollector out = new OutputCollector(
        LineListener.Channel.STDOUT, command.outputLimit(), listener, listenerLock);
    OutputCollector err = new OutputCollector(
        LineListener.Channel.STDERR, command.outputLimit(), listener, listenerLock);
    try {
      if (!channels.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        LOG.warn("{} timed out on {} waiting for a free channel", command, hostAndPort());
        return new Execution(result(out, err, 0, true, started), out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to run " + command.display(), e);
    }
    try {
      Stdin stdin = stdinOverride;
      if (stdin == null && command.stdin().isPresent()) {
        byte[] bytes = command.stdin().get();
        stdin = o -> o.write(bytes);
      }
      return new Execution(runOnChannel(command, stdin, out, err, started, deadline), out);
    } finally {
      channels.release();
    }
  }

  private CommandResult runOnChannel(Command command, Stdin stdin, OutputCollector out,
      OutputCollector err, long started, long deadline) {
    PidSplitter errWithPid = new PidSplitter(err);
    String line = remoteLine(command);
    Opened opened = openExec(line, out, errWithPid, command, deadline);
    ChannelExec channel = opened.channel;
    Future<?> feeder = null;
    boolean timedOut = false;
    try {
      OutputStream toCommand = channel.getOutputStream();
      if (stdin == null) {
        toCommand.close(); // EOF at once
      } else {
        Stdin source = stdin;
        feeder = io.submit(() -> feed(toCommand, source, command));
      }
      if (!err.awaitClosed(deadline - System.nanoTime())) {
        timedOut = true;
        killRemote(command, errWithPid.awaitPid(KILL_TIMEOUT.toNanos()), "timed out");
        err.awaitClosed(LocalCommandRunner.KILL_GRACE.toNanos() + KILL_TIMEOUT.toNanos());
      }
    } catch (IOException e) {
      throw new HostConnectionException(host, "lost the connection to " + hostAndPort()
          + " while starting " + command.display() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killRemote(command, errWithPid.pid(), "was interrupted");
      throw new IllegalStateException("interrupted while running " + command.display(), e);
    } finally {
      if (feeder != null) {
        feeder.cancel(true);
      }
      channel.disconnect();
      channelClosed();
    }
    String signal = channel.getExitSignal();
    int status = channel.getExitStatus();
    if (!timedOut && status == -1 && signal == null) {
      if (opened.session.isConnected()) {
        throw new HostConnectionException(host, hostAndPort() + " closed the channel of "
            + command.display() + " without an exit status (did sshd refuse to run it?)", null);
      }
      invalidate(opened.session);
      throw new HostConnectionException(host, "lost the connection to " + hostAndPort()
          + " while running " + command.display()
          + "; the command may or may not have completed", null);
    }
    int exitCode = signal != null ? 128 + Signals.number(signal) : status;
    return result(out, err, exitCode, timedOut, started);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: an exec channel on the host's one session, holding one of the session's channel
   * slots until it is destroyed or ends. {@link RunningCommand#destroy()} kills the remote
   * process group as a timeout does, then closes the channel.
   *
   * @throws HostKeyRejectedException if the host's key is unknown or changed
   * @throws HostAuthenticationException if the host refuses the credentials
   * @throws HostConnectionException if no channel could be had within the connect timeout
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public RunningCommand open(Command command) {
    ensureOpen();
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    try {
      if (!channels.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw new HostConnectionException(host, "no free channel on " + hostAndPort() + " within "
            + connectTimeout + " to start " + command.display(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to start " + command.display(), e);
    }
    try {
      java.io.PipedInputStream stdout = new java.io.PipedInputStream(PIPE_SIZE);
      java.io.PipedInputStream stderr = new java.io.PipedInputStream(PIPE_SIZE);
      PidSplitter errWithPid = new PidSplitter(new java.io.PipedOutputStream(stderr));
      Opened opened = openExec(remoteLine(command), new java.io.PipedOutputStream(stdout), errWithPid,
          command, deadline);
      JschRunning running = new JschRunning(command, opened.channel, stdout, stderr, errWithPid);
      if (command.stdin().isPresent()) {
        try {
          running.stdin().write(command.stdin().get());
          running.stdin().flush();
        } catch (IOException e) {
          LOG.debug("stdin not fully consumed by {}: {}", command.display(), e.toString());
        }
      }
      return running;
    } catch (IOException | RuntimeException e) {
      channels.release();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new HostConnectionException(host, "cannot start " + command.display() + " on "
          + hostAndPort() + ": " + e.getMessage(), e);
    }
  }

  /** Buffer of each output pipe of an open command; JSch's session thread waits when it is full. */
  private static final int PIPE_SIZE = 1 << 20;

  private final class JschRunning implements RunningCommand {
    private final Command command;
    private final ChannelExec channel;
    private final java.io.InputStream stdout;
    private final java.io.InputStream stderr;
    private final PidSplitter pid;
    private final OutputStream stdin;
    private final AtomicBoolean released = new AtomicBoolean();

    JschRunning(Command command, ChannelExec channel, java.io.InputStream stdout,
        java.io.InputStream stderr, PidSplitter pid) throws IOException {
      this.command = command;
      this.channel = channel;
      this.stdout = stdout;
      this.stderr = stderr;
      this.pid = pid;
      this.stdin = channel.getOutputStream();
    }

    @Override
    public OutputStream stdin() {
      return stdin;
    }

    @Override
    public java.io.InputStream stdout() {
      return stdout;
    }

    @Override
    public java.io.InputStream stderr() {
      return stderr;
    }

    @Override
    public java.util.OptionalInt waitFor(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      // JSch has no close callback: poll the channel's state until the deadline, as JSch does
      while (!channel.isClosed()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return java.util.OptionalInt.empty();
        }
        synchronized (this) {
          try {
            wait(Math.max(1, Math.min(10, left / 1_000_000)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + command.display(), e);
          }
        }
      }
      release();
      String signal = channel.getExitSignal();
      return java.util.OptionalInt.of(signal != null ? 128 + Signals.number(signal) : channel.getExitStatus());
    }

    @Override
    public boolean isAlive() {
      return !channel.isClosed();
    }

    @Override
    public void destroy() {
      if (!channel.isClosed()) {
        killRemote(command, pid.pid(), "was destroyed");
      }
      channel.disconnect();
      release();
      for (java.io.Closeable c : List.<java.io.Closeable>of(stdin, stdout, stderr)) {
        try {
          c.close();
        } catch (IOException e) {
          LOG.debug("closing a stream of {} failed: {}", command.display(), e.toString());
        }
      }
    }

    private void release() {
      if (released.compareAndSet(false, true)) {
        channels.release();
        channelClosed();
      }
    }

    @Override
    public String toString() {
      return command.display() + " on " + hostAndPort();
    }
  }

  private static CommandResult result(OutputCollector out, OutputCollector err, int exitCode,
      boolean timedOut, long started) {
    return CommandResult.builder()
        .exitCode(exitCode)
        .stdout(out.text())
        .stderr(err.text())
        .stdoutTruncated(out.truncated())
        .stderrTruncated(err.truncated())
        .timedOut(timedOut)
        .duration(Duration.ofNanos(System.nanoTime() - started))
        .build();
  }

  private static void feed(OutputStream toCommand, Stdin source, Command command) {
    try (toCommand) {
      source.writeTo(toCommand);
    } catch (IOException e) {
      LOG.debug("stdin not fully consumed by {}: {}", command.display(), e.toString());
    }
  }

  /**
   * The line the remote login shell runs: print its pid (= process group id, since sshd starts
   * it with setsid), enter the working directory, export the environment, exec the argv.
   */
  static String remoteLine(Command command) {
    StringBuilder s = new StringBuilder("echo " + PidSplitter.MARKER + "$$ >&2; ");
    command.workingDir().ifPresent(dir -> s.append("cd ").append(ShellQuoting.quote(dir))
        .append(" 2>/dev/null || { echo ")
        .append(ShellQuoting.quote("vr: cannot use working directory " + dir))
        .append(" >&2; exit 126; }; "));
    if (command.sudoUser().isEmpty()) {
      s.append(CommandLines.exports(command.env()));
    }
    return s.append("exec ").append(ShellQuoting.join(CommandLines.effectiveArgv(command)))
        .toString();
  }

  /** Kills the remote process group: SIGTERM, then SIGKILL once the grace has passed. */
  private void killRemote(Command command, long pgid, String why) {
    if (pgid <= 1) {
      LOG.warn("{} {} on {} before it reported its pid; closing its channel only",
          command, why, hostAndPort());
      return;
    }
    long tenths = Math.max(1, LocalCommandRunner.KILL_GRACE.toMillis() / 100);
    String script = "kill -s TERM -- -$1 2>/dev/null || exit 0; i=0; "
        + "while kill -s 0 -- -$1 2>/dev/null; do "
        + "if [ $i -ge " + tenths + " ]; then kill -s KILL -- -$1 2>/dev/null; exit 0; fi; "
        + "sleep 0.1; i=$((i+1)); done";
    List<String> argv = new ArrayList<>();
    if (command.sudoUser().isPresent()) {
      argv.addAll(List.of("sudo", "-n"));
    }
    argv.addAll(List.of("sh", "-c", script, "sh", Long.toString(pgid)));
    Command kill = Command.builder().argv(argv).timeout(KILL_TIMEOUT).build();
    try {
      OutputCollector out = new OutputCollector(LineListener.Channel.STDOUT, 4096, null, this);
      OutputCollector err = new OutputCollector(LineListener.Channel.STDERR, 4096, null, this);
      long now = System.nanoTime();
      CommandResult r = runOnChannel(kill, null, out, err, now, now + KILL_TIMEOUT.toNanos());
      LOG.info("{} {} on {}; killed process group {} (kill exit {})", command, why,
          hostAndPort(), pgid, r.exitCode());
    } catch (RuntimeException e) {
      LOG.warn("{} {} on {} and could not be killed: {}", command, why, hostAndPort(),
          e.getMessage());
    }
  }

  // ---------------------------------------------------------------- sessions and channels

  private static final class Opened {
    final Session session;
    final ChannelExec channel;

    Opened(Session session, ChannelExec channel) {
      this.session = session;
      this.channel = channel;
    }
  }

  /**
   * Opens an exec channel running the line. If the session turns out to be dead, it is
   * reopened and the channel tried once more: the command had not started. If sshd refuses the
   * channel while the session lives, it is at its {@code MaxSessions}: sshd frees the slot of a
   * closed channel a moment after the close, so the open is retried, each time after one of our
   * channels closed or 50 ms passed, until the command's deadline.
   */
  private Opened openExec(String line, OutputStream out, OutputStream err, Command command,
      long deadline) {
    boolean reconnected = false;
    while (true) {
      Session s = session();
      ChannelExec channel = null;
      try {
        channel = (ChannelExec) s.openChannel("exec");
        channel.setCommand(line.getBytes(StandardCharsets.UTF_8));
        channel.setOutputStream(out);
        channel.setErrStream(err);
        // no timeout on purpose: with one, JSch asks for a reply to the exec request and polls
        // for it in 10 ms sleeps, which would triple the cost of a short command. The channel
        // open itself is still confirmed (JSch waits at most ~20 s), and a refused exec shows
        // as a channel closed without exit status.
        channel.connect();
        return new Opened(s, channel);
      } catch (JSchException e) {
        if (channel != null) {
          channel.disconnect();
        }
        if (!s.isConnected() && !reconnected) {
          LOG.info("the SSH session to {} had died; reconnecting once to run {}",
              hostAndPort(), command.display());
          invalidate(s);
          reconnected = true;
          continue;
        }
        if (s.isConnected() && System.nanoTime() < deadline) {
          LOG.debug("{} refused a channel (sessions full?); retrying {}", hostAndPort(),
              command.display());
          awaitChannelClose(deadline);
          continue;
        }
        throw new HostConnectionException(host, "cannot start " + command.display() + " on "
            + hostAndPort() + ": " + e.getMessage(), e);
      }
    }
  }

  private void awaitChannelClose(long deadline) {
    long millis = Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    synchronized (channelClosed) {
      try {
        channelClosed.wait(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a free channel", e);
      }
    }
  }

  private void channelClosed() {
    synchronized (channelClosed) {
      channelClosed.notifyAll();
    }
  }

  private Session session() {
    synchronized (sessionLock) {
      ensureOpen();
      if (session != null && session.isConnected()) {
        return session;
      }
      if (session != null) {
        session.disconnect();
        session = null;
      }
      session = connect();
      return session;
    }
  }

  private void invalidate(Session dead) {
    synchronized (sessionLock) {
      if (session == dead) {
        session = null;
      }
    }
    dead.disconnect();
  }

  private Session connect() {
    VerifyingHostKeyRepository keys;
    try {
      if (acceptAnyHostKey) {
        LOG.warn("connecting to {} WITHOUT checking its host key (accept-any is on)",
            hostAndPort());
      }
      // re-read on every connect, so a corrected known_hosts is picked up
      jsch.setKnownHosts(knownHosts.toString());
      keys = new VerifyingHostKeyRepository(jsch.getHostKeyRepository(), acceptAnyHostKey);
    } catch (JSchException e) {
      throw new HostConnectionException(host, "cannot read the known_hosts file " + knownHosts
          + " for " + hostAndPort() + ": " + e.getMessage(), e);
    }
    Session s;
    try {
      s = jsch.getSession(user, address, port);
      s.setHostKeyRepository(keys);
      s.setConfig("StrictHostKeyChecking", "yes");
      s.setConfig("PreferredAuthentications", password != null ? "publickey,password"
          : "publickey");
      s.setConfig("server_host_key", hostKeyAlgorithms(keys, s.getConfig("server_host_key")));
      if (password != null) {
        s.setPassword(password.clone());
      }
      s.setServerAliveInterval((int) keepAlive.toMillis());
      s.setServerAliveCountMax(3);
      s.connect((int) connectTimeout.toMillis());
    } catch (JSchException e) {
      VerifyingHostKeyRepository.Rejection r = keys.rejection();
      if (r != null) {
        HostKeyRejectedException rejected = new HostKeyRejectedException(host, r.hostKeyName(),
            r.result() == HostKeyRepository.CHANGED
                ? HostKeyRejectedException.Reason.CHANGED
                : HostKeyRejectedException.Reason.UNKNOWN,
            r.keyType(), r.fingerprint(), knownHosts.toString());
        LOG.warn(rejected.getMessage()); // a security event: worth a line even if caught
        throw rejected;
      }
      String m = String.valueOf(e.getMessage());
      if (m.startsWith("Auth fail") || m.startsWith("Auth cancel")) {
        throw new HostAuthenticationException(host, "host " + hostAndPort()
            + " refused user " + user + " with " + credentials() + "; is the public key in "
            + "that user's authorized_keys?", user, e);
      }
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new HostConnectionException(host, "cannot connect to " + hostAndPort() + " as "
          + user + ": " + cause, e);
    }
    int n = sessionsOpened.incrementAndGet();
    LOG.debug("SSH session {} to {} open", n, hostAndPort());
    return s;
  }

  private String credentials() {
    List<String> parts = new ArrayList<>();
    if (!identityNames.isEmpty()) {
      parts.add("key(s) " + identityNames);
    }
    if (password != null) {
      parts.add("a password");
    }
    return String.join(" and ", parts);
  }

  /** Puts the key types known_hosts holds for this host first, as OpenSSH does. */
  private String hostKeyAlgorithms(HostKeyRepository keys, String defaults) {
    String name = port == 22 ? address : "[" + address + "]:" + port;
    Set<String> order = new LinkedHashSet<>();
    HostKey[] known = keys.getHostKey(name, null);
    if (known != null) {
      for (HostKey k : known) {
        if ("ssh-rsa".equals(k.getType())) {
          order.add("rsa-sha2-512");
          order.add("rsa-sha2-256");
        } else {
          order.add(k.getType());
        }
      }
    }
    order.addAll(Arrays.asList(defaults.split(",")));
    return String.join(",", order);
  }

  // ---------------------------------------------------------------- files

  private Command fileCommand(String script, Duration timeout, String... args) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
    argv.addAll(Arrays.asList(args));
    return Command.builder().argv(argv).timeout(timeout).outputLimit(64 * 1024).build();
  }

  private static final String UPLOAD = "d=${1%/*}; b=${1##*/}; "
      + "t=$(mktemp \"$d/.$b.vr-XXXXXX\") || exit 1; "
      + "if cat > \"$t\" && chmod \"$2\" \"$t\" && mv -f \"$t\" \"$1\"; then exit 0; fi; "
      + "rm -f \"$t\"; exit 1";

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void upload(byte[] content, String remotePath, int mode) {
    byte[] copy = content.clone();
    upload(remotePath, mode, o -> o.write(copy));
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void upload(Path localFile, String remotePath, int mode) {
    if (!Files.isRegularFile(localFile)) {
      throw new RemoteFileException(host, "upload", remotePath,
          "the local file " + localFile + " does not exist or is not a regular file", null);
    }
    upload(remotePath, mode, o -> Files.copy(localFile, o));
  }

  private void upload(String remotePath, int mode, Stdin content) {
    RemotePaths.checkFile(host, "upload", remotePath);
    RemotePaths.checkMode(mode);
    Command c = fileCommand(UPLOAD, fileTimeout, remotePath, Integer.toOctalString(mode));
    CommandResult r = execute(c, null, content).result;
    if (!r.succeeded()) {
      throw new RemoteFileException(host, "upload", remotePath, failure(r), null);
    }
  }

  private static String failure(CommandResult r) {
    return r.timedOut() ? "timed out" : r.stderrTail(5).isEmpty()
        ? "exit code " + r.exitCode() : r.stderrTail(5);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public byte[] download(String remotePath) {
    RemotePaths.checkAbsolute(host, "download", remotePath);
    Command c = Command.builder().argv("cat", "--", remotePath).timeout(fileTimeout)
        .outputLimit(Integer.MAX_VALUE - 16).build();
    Execution e = execute(c, null, null);
    if (!e.result.succeeded()) {
      throw new RemoteFileException(host, "download", remotePath, failure(e.result), null);
    }
    if (e.stdout.truncated()) {
      throw new RemoteFileException(host, "download", remotePath, "the file is 2 GiB or more",
          null);
    }
    return e.stdout.bytes();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public boolean exists(String remotePath) {
    RemotePaths.checkAbsolute(host, "exists", remotePath);
    CommandResult r = run(fileCommand("test -e \"$1\" || test -L \"$1\"",
        Command.DEFAULT_TIMEOUT, remotePath));
    if (r.exitCode() == 0) {
      return true;
    }
    if (r.exitCode() == 1 && !r.timedOut()) {
      return false;
    }
    throw new RemoteFileException(host, "exists", remotePath, failure(r), null);
  }

  private static final int REFUSED = 3;

  private static final String REMOVE = "root=$(realpath -e -- \"$1\" 2>/dev/null) || exit 0; "
      + "parent=$(realpath -e -- \"$2\" 2>/dev/null) || exit 0; "
      + "t=\"${parent%/}/$3\"; "
      + "case \"$t\" in \"${root%/}\"/?*) ;; *) echo \"it resolves to $t, which is not inside "
      + "the runner's root $root\" >&2; exit " + REFUSED + ";; esac; "
      + "[ -e \"$t\" ] || [ -L \"$t\" ] || exit 0; "
      + "if [ \"$4\" = recursive ]; then exec rm -rf -- \"$t\"; fi; "
      + "if [ -d \"$t\" ] && [ ! -L \"$t\" ]; then rmdir -- \"$t\" 2>/dev/null || { echo \"it is a "
      + "non-empty directory; remove it with recursive=true\" >&2; exit 1; }; exit 0; fi; "
      + "exec rm -f -- \"$t\"";

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException if the runner is closed
   */
  @Override
  public void remove(String remotePath, boolean recursive) {
    String normal = RemotePaths.checkRemovable(host, root, remotePath);
    CommandResult r = run(fileCommand(REMOVE, fileTimeout, root, RemotePaths.parent(normal),
        RemotePaths.fileName(normal), recursive ? "recursive" : "single"));
    if (r.exitCode() == REFUSED && !r.timedOut()) {
      throw new PathRefusedException(host, "remove", remotePath, r.stderrTail(1));
    }
    if (!r.succeeded()) {
      throw new RemoteFileException(host, "remove", remotePath, failure(r), null);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the SSH command runner for " + hostAndPort()
          + " is closed");
    }
  }

  /** Closes the session and stops helper threads. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (sessionLock) {
      if (session != null) {
        session.disconnect();
        session = null;
      }
    }
    io.shutdownNow();
    if (password != null) {
      Arrays.fill(password, (byte) 0);
    }
  }

  /** The user, host, port and root directory, for messages. */
  @Override
  public String toString() {
    return "JschCommandRunner[" + user + "@" + hostAndPort() + ", root=" + root + "]";
  }

  private static final class Identity {
    final String name;
    final byte[] privateKey;
    final byte[] passphrase;

    Identity(String name, byte[] privateKey, byte[] passphrase) {
      this.name = name;
      this.privateKey = privateKey;
      this.passphrase = passphrase;
    }
  }

  /** Builds a {@link JschCommandRunner}; not thread-safe. */
  public static final class Builder {
    private String host;
    private String name;
    private int port = 22;
    private String user;
    private final List<Identity> identities = new ArrayList<>();
    private byte[] password;
    private Path knownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    private boolean acceptAnyHostKey;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration keepAlive = Duration.ofSeconds(15);
    private Duration fileTimeout = Duration.ofMinutes(10);
    private String root = LocalCommandRunner.DEFAULT_ROOT;
    private int maxConcurrentCommands = DEFAULT_MAX_CONCURRENT_COMMANDS;

    private Builder() {}

    /**
     * Sets the host name or address to connect to.
     *
     * @param host the host name or address to connect to
     * @return this builder
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      this.name = null;
      return this;
    }

    /**
     * Connects to a host of the model: its address, named by its name in messages and in
     * {@link JschCommandRunner#host()}.
     *
     * @param host the host
     * @return this builder
     */
    public Builder host(Host host) {
      this.host = host.address();
      this.name = host.name().value();
      return this;
    }

    /**
     * Sets the SSH port, default 22.
     *
     * @param port the SSH port, default 22
     * @return this builder
     * @throws IllegalArgumentException if not within 1..65535
     */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("an SSH port must be within 1..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the user to log in as (the deploy user).
     *
     * @param user the user to log in as (the deploy user)
     * @return this builder
     */
    public Builder user(String user) {
      this.user = Objects.requireNonNull(user, "user");
      return this;
    }

    /**
     * Adds a private key file (OpenSSH or PEM format) without passphrase.
     *
     * @param keyFile the private key
     * @return this builder
     * @throws IllegalArgumentException if the file cannot be read
     */
    public Builder privateKey(Path keyFile) {
      return privateKey(keyFile, null);
    }

    /**
     * Adds a private key file protected by a passphrase.
     *
     * @param keyFile the private key
     * @param passphrase its passphrase (copied), or null
     * @return this builder
     * @throws IllegalArgumentException if the file cannot be read
     */
    public Builder privateKey(Path keyFile, char[] passphrase) {
      try {
        identities.add(new Identity(keyFile.toString(), Files.readAllBytes(keyFile),
            passphrase == null ? null : utf8(passphrase)));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the private key file " + keyFile
            + ": " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * Adds a private key held in memory, e.g. from a secret store.
     *
     * @param name a name for messages (never the key itself)
     * @param privateKey the key file's bytes (copied)
     * @param passphrase its passphrase (copied), or null
     * @return this builder
     */
    public Builder privateKey(String name, byte[] privateKey, char[] passphrase) {
      identities.add(new Identity(Objects.requireNonNull(name, "name"), privateKey.clone(),
          passphrase == null ? null : utf8(passphrase)));
      return this;
    }

    /**
     * Allows password authentication with this password (copied; wiped on close).
     *
     * @param password the password
     * @return this builder
     */
    public Builder password(char[] password) {
      this.password = utf8(password);
      return this;
    }

    private static byte[] utf8(char[] chars) {
      ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return bytes;
    }

    /**
     * Sets the known_hosts file to verify host keys against, default {@code ~/.ssh/known_hosts}.
     *
     * @param knownHosts the known_hosts file to verify host keys against, default {@code
     *     ~/.ssh/known_hosts}
     * @return this builder
     */
    public Builder knownHosts(Path knownHosts) {
      this.knownHosts = Objects.requireNonNull(knownHosts, "knownHosts");
      return this;
    }

    /**
     * Accepts any host key without checking. FOR TESTS ONLY: it allows man-in-the-middle
     * attacks, and the runner logs a warning on creation and on every connection.
     *
     * @return this builder
     */
    public Builder acceptAnyHostKeyForTestsOnly() {
      this.acceptAnyHostKey = true;
      return this;
    }

    /**
     * Sets how long connecting, authenticating and opening a channel may take, default 10 s.
     *
     * @param timeout how long connecting, authenticating and opening a channel may take,
     *     default 10 s
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * Sets how often an idle session is probed.
     *
     * @param interval how often an idle session is probed; three missed probes close it, so
     *     dead sessions are found. Default 15 s
     * @return this builder
     */
    public Builder keepAlive(Duration interval) {
      this.keepAlive = positive("keepAlive", interval);
      return this;
    }

    /**
     * Sets how long an upload or download may take, default 10 minutes.
     *
     * @param timeout how long an upload or download may take, default 10 minutes
     * @return this builder
     */
    public Builder fileTimeout(Duration timeout) {
      this.fileTimeout = positive("fileTimeout", timeout);
      return this;
    }

    private static Duration positive(String what, Duration d) {
      if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(what + " must be positive and under 24 days: " + d);
      }
      return d;
    }

    /**
     * Confines {@link JschCommandRunner#remove} to paths strictly inside this directory.
     *
     * @param root an absolute directory on the host, default {@link
     *     LocalCommandRunner#DEFAULT_ROOT}
     * @return this builder
     * @throws IllegalArgumentException if the root is not absolute
     */
    public Builder root(String root) {
      this.root = RemotePaths.checkRoot(root);
      return this;
    }

    /**
     * Sets how many commands may run at once on the session (keep it below the host's sshd {@code
     * MaxSessions}, default 10).
     *
     * @param max how many commands may run at once on the session (keep it below the host's
     *     sshd {@code MaxSessions}, default 10)
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxConcurrentCommands(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConcurrentCommands must be at least 1: " + max);
      }
      this.maxConcurrentCommands = max;
      return this;
    }

    /**
     * Builds the runner; it connects on first use.
     *
     * @return the runner; close it when done
     * @throws IllegalStateException if host or user is missing, or no key or password is given
     * @throws IllegalArgumentException if a private key cannot be parsed
     */
    public JschCommandRunner build() {
      if (host == null || host.isEmpty()) {
        throw new IllegalStateException("an SSH runner needs a host");
      }
      if (user == null || user.isEmpty()) {
        throw new IllegalStateException("an SSH runner for " + host + " needs a user");
      }
      if (identities.isEmpty() && password == null) {
        throw new IllegalStateException("an SSH runner for " + host
            + " needs a private key or a password");
      }
      return new JschCommandRunner(this);
    }
  }

  /** Linux signal numbers, to report a death by signal as 128 + n like a shell does. */
  static final class Signals {
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
        Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
        Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8),
        Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
        Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
        Map.entry("TERM", 15), Map.entry("XCPU", 24), Map.entry("XFSZ", 25));

    private Signals() {}

    static int number(String name) {
      String n = name.startsWith("SIG") ? name.substring(3) : name;
      return NUMBERS.getOrDefault(n, 0);
    }
  }
}
