package io.velociraptor.testkit;

import com.fasterxml.jackson.annotation.JsonValue;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import java.util.Locale;
import java.util.Objects;

/**
 * A fault {@link RolloutSimulator} injects into a rollout: the uptests of new procs on a host fail
 * (from some wave on), or a host is lost (unreachable) from some wave on. Waves are the rollout's,
 * numbered from 1. The command line's forms are {@code uptest@HOST}, {@code uptest@HOST@waveN}
 * ({@code --fail}) and {@code HOST@waveN} ({@code --lose-host}).
 *
 * @param kind what goes wrong
 * @param host the host it goes wrong on
 * @param wave the first wave it affects, from 1
 */
public record Fault(Kind kind, HostName host, int wave) {
  /** What goes wrong. */
  public enum Kind {
    /** Every uptest of a proc on the host fails, in this wave and every later one. */
    UPTEST_FAILS,
    /** The host becomes unreachable at the start of this wave and stays so. */
    HOST_LOST;

    /** The lowercase wire form, {@code uptest_fails} or {@code host_lost}. */
    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A fault.
   *
   * @param kind what goes wrong
   * @param host the host
   * @param wave the first wave it affects
   * @throws InvalidValueException if the wave is under 1
   */
  public Fault {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(host, "host");
    if (wave < 1) {
      throw InvalidValueException.of("fault wave", wave, "waves are numbered from 1");
    }
  }

  /**
   * Uptests on that host fail in every wave.
   *
   * @param host the host
   * @return the fault
   */
  public static Fault uptestFails(HostName host) {
    return new Fault(Kind.UPTEST_FAILS, host, 1);
  }

  /**
   * Uptests on that host fail from that wave on.
   *
   * @param host the host
   * @param fromWave the first wave whose uptests there fail
   * @return the fault
   */
  public static Fault uptestFails(HostName host, int fromWave) {
    return new Fault(Kind.UPTEST_FAILS, host, fromWave);
  }

  /**
   * That host is lost (unreachable) at the start of that wave, for good.
   *
   * @param host the host
   * @param atWave the wave at whose start it is lost
   * @return the fault
   */
  public static Fault hostLost(HostName host, int atWave) {
    return new Fault(Kind.HOST_LOST, host, atWave);
  }

  /**
   * Reads a {@code --fail} value: {@code uptest@HOST} or {@code uptest@HOST@waveN}.
   *
   * @param text the value
   * @return the fault
   * @throws InvalidValueException naming {@code --fail} and the text, and what is wrong with it
   */
  public static Fault parseFail(String text) {
    String option = "--fail";
    requireText(option, text);
    String[] parts = text.split("@", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw InvalidValueException.of(option, text, "write uptest@HOST (uptests fail on HOST in every wave) or"
          + " uptest@HOST@waveN (from wave N on)");
    }
    if (!parts[0].equals("uptest")) {
      throw InvalidValueException.of(option, text, "\"" + parts[0] + "\" is not a fault vr can simulate: write"
          + " uptest@HOST or uptest@HOST@waveN (a lost host is --lose-host HOST@waveN)");
    }
    HostName host = host(option, text, parts[1]);
    int wave = parts.length == 3 ? wave(option, text, parts[2]) : 1;
    return uptestFails(host, wave);
  }

  /**
   * Reads a {@code --lose-host} value: {@code HOST@waveN}.
   *
   * @param text the value
   * @return the fault
   * @throws InvalidValueException naming {@code --lose-host} and the text, and what is wrong with it
   */
  public static Fault parseLoseHost(String text) {
    String option = "--lose-host";
    requireText(option, text);
    String[] parts = text.split("@", -1);
    if (parts.length != 2) {
      throw InvalidValueException.of(option, text, "write HOST@waveN: the host is lost at the start of wave N");
    }
    return hostLost(host(option, text, parts[0]), wave(option, text, parts[1]));
  }

  /** The fault for people: {@code uptests fail on h2 from wave 2}, {@code h3 lost at wave 2}. */
  public String describe() {
    return switch (kind) {
      case UPTEST_FAILS -> "uptests fail on " + host + (wave == 1 ? "" : " from wave " + wave);
      case HOST_LOST -> host + " lost at wave " + wave;
    };
  }

  /** The fault in its command-line form: {@code uptest@h2@wave2}, {@code h3@wave2}. */
  public String format() {
    return switch (kind) {
      case UPTEST_FAILS -> "uptest@" + host + (wave == 1 ? "" : "@wave" + wave);
      case HOST_LOST -> host + "@wave" + wave;
    };
  }

  private static void requireText(String option, String text) {
    if (text == null || text.isBlank()) {
      throw InvalidValueException.of(option, text == null ? "" : text, "is empty");
    }
  }

  private static HostName host(String option, String text, String host) {
    if (host.isEmpty()) {
      throw InvalidValueException.of(option, text, "names no host");
    }
    try {
      return HostName.of(host);
    } catch (InvalidValueException e) {
      throw InvalidValueException.of(option, text, "\"" + host + "\" is not a host name (" + e.getMessage() + ")");
    }
  }

  private static int wave(String option, String text, String wave) {
    String digits = wave.startsWith("wave") ? wave.substring(4) : wave;
    if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw InvalidValueException.of(option, text, "\"" + wave + "\" is not a wave: write waveN, N from 1");
    }
    int n = Integer.parseInt(digits);
    if (n < 1) {
      throw InvalidValueException.of(option, text, "waves are numbered from 1");
    }
    return n;
  }
}
