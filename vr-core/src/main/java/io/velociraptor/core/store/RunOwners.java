package io.velociraptor.core.store;

import io.velociraptor.core.model.SwarmRun;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Who runs a dispatch, and whether that process is still there. Used by the stores' staleness
 * rule; a store in your own database can use it too.
 *
 * <p>A process is judged only on the machine that ran it: same host name and same boot id
 * ({@code /proc/sys/kernel/random/boot_id}). There it is gone when its pid is dead or belongs to a
 * process that started at another time (a reused pid). A different boot id on the same host
 * name means the machine rebooted, so the owner is gone too. Owners on other machines cannot be
 * judged here; the store's TTL decides for them.
 */
public final class RunOwners {
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  // constants of this process's life, computed once (a host lookup can be slow)
  private static final String HOST = lookUpHostName();
  private static final String BOOT = readBootId();

  private RunOwners() {}

  /**
   * Returns this process, as a run owner.
   *
   * @return this process, as a run owner
   */
  public static SwarmRun.Owner current() {
    ProcessHandle self = ProcessHandle.current();
    return new SwarmRun.Owner(hostName(), bootId(), self.pid(), self.info().startInstant());
  }

  /**
   * An owner for another process of this machine (a child that runs a dispatch, or a test's).
   *
   * @param process the process
   * @return it, as a run owner
   */
  public static SwarmRun.Owner of(ProcessHandle process) {
    return new SwarmRun.Owner(hostName(), bootId(), process.pid(), process.info().startInstant());
  }

  /**
   * Returns why it is gone, or empty if it is alive or cannot be judged from this machine.
   *
   * @param owner a run's owner
   * @return why it is gone, or empty if it is alive or cannot be judged from this machine
   */
  public static Optional<String> goneReason(SwarmRun.Owner owner) {
    if (!owner.host().equals(hostName())) {
      return Optional.empty();
    }
    if (!owner.bootId().equals(bootId())) {
      return Optional.of("its machine " + owner.host() + " has rebooted since (boot id " + owner.bootId() + ")");
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(owner.pid());
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return Optional.of("its process " + owner + " has exited");
    }
    Optional<Instant> started = handle.get().info().startInstant();
    if (owner.processStartedAt().isPresent() && started.isPresent()
        && !owner.processStartedAt().get().equals(started.get())) {
      return Optional.of("its process " + owner + " has exited (the pid now belongs to a process started at "
          + started.get() + ")");
    }
    return Optional.empty();
  }

  static String hostName() {
    return HOST;
  }

  static String bootId() {
    return BOOT;
  }

  private static String lookUpHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static String readBootId() {
    try {
      return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      // not Linux: without a boot id, a pid from before a reboot could be mistaken for alive;
      // the TTL still reclaims such runs
      return "no-boot-id";
    }
  }
}
