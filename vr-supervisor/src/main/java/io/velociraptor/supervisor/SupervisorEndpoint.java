package io.velociraptor.supervisor;

import io.velociraptor.core.model.InvalidValueException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to reach one supervisord's XML-RPC interface ({@code [inet_http_server]}).
 *
 * <p>Defaults: connect timeout {@value #DEFAULT_CONNECT_TIMEOUT_MILLIS} ms, read timeout
 * {@value #DEFAULT_READ_TIMEOUT_MILLIS} ms (the whole reply must arrive within it; calls that
 * wait for a process to start or stop extend it by the program's own wait), path {@code /RPC2}.
 * {@link #toString()} never shows the password.
 */
public final class SupervisorEndpoint {
  /** Default time allowed to open the TCP connection. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 2_000;
  /** Default time allowed for the complete reply of one call. */
  public static final long DEFAULT_READ_TIMEOUT_MILLIS = 10_000;

  private final String address;
  private final int port;
  private final String label;
  private final Optional<String> username;
  private final Optional<String> password;
  private final Duration connectTimeout;
  private final Duration readTimeout;

  private SupervisorEndpoint(Builder b) {
    if (b.address == null || b.address.isBlank() || !b.address.matches("[A-Za-z0-9_.:\\-\\[\\]]+")) {
      throw InvalidValueException.of("supervisor address", b.address, "must be a host name or IP address");
    }
    if (b.port < 1 || b.port > 65535) {
      throw InvalidValueException.of("supervisor port of " + b.address, b.port, "must be between 1 and 65535");
    }
    this.address = b.address;
    this.port = b.port;
    this.label = b.label == null ? address + ":" + port : b.label;
    if (b.username.isPresent() != b.password.isPresent()) {
      throw InvalidValueException.of(
          "supervisor credentials of " + label, b.username.orElse("(none)"),
          "give both a username and a password, or neither");
    }
    b.username.ifPresent(u -> {
      if (u.contains(":") || u.chars().anyMatch(Character::isISOControl)) {
        throw InvalidValueException.of("supervisor username of " + label, u, "must not contain ':' or control characters");
      }
    });
    this.username = b.username;
    this.password = b.password;
    this.connectTimeout = positive("connect timeout of " + label, b.connectTimeout);
    this.readTimeout = positive("read timeout of " + label, b.readTimeout);
  }

  private static Duration positive(String field, Duration d) {
    Objects.requireNonNull(d, field);
    if (d.isNegative() || d.isZero()) {
      throw InvalidValueException.of(field, d, "must be positive");
    }
    return d;
  }

  /**
   * Returns a builder with the default timeouts and no credentials.
   *
   * @param address host name or IP address
   * @param port the {@code [inet_http_server]} port
   * @return a builder with the default timeouts and no credentials
   */
  public static Builder builder(String address, int port) {
    Builder b = new Builder();
    b.address = address;
    b.port = port;
    return b;
  }

  /** A builder holding this endpoint's values. */
  public Builder toBuilder() {
    Builder b = builder(address, port);
    b.label = label;
    b.username = username;
    b.password = password;
    b.connectTimeout = connectTimeout;
    b.readTimeout = readTimeout;
    return b;
  }

  /** The host name or address connected to. */
  public String address() {
    return address;
  }

  /** The TCP port. */
  public int port() {
    return port;
  }

  /** The name used in messages (default {@code address:port}). */
  public String label() {
    return label;
  }

  /** The basic-auth user, if any. */
  public Optional<String> username() {
    return username;
  }

  Optional<String> password() {
    return password;
  }

  /** Time allowed to connect. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Time allowed for a whole reply. */
  public Duration readTimeout() {
    return readTimeout;
  }

  URI uri() {
    String host = address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
    return URI.create("http://" + host + ":" + port + "/RPC2");
  }

  /**
   * Whether {@code o} is an endpoint with the same address, port, label, credentials and timeouts.
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SupervisorEndpoint)) {
      return false;
    }
    SupervisorEndpoint e = (SupervisorEndpoint) o;
    return address.equals(e.address) && port == e.port && label.equals(e.label) && username.equals(e.username)
        && password.equals(e.password) && connectTimeout.equals(e.connectTimeout) && readTimeout.equals(e.readTimeout);
  }

  /** A hash code over the address, port, label, user and timeouts (never the password). */
  @Override
  public int hashCode() {
    return Objects.hash(address, port, label, username, connectTimeout, readTimeout);
  }

  /** The label, user and timeouts, for messages; never the password. */
  @Override
  public String toString() {
    return "SupervisorEndpoint{" + label + ", user=" + username.orElse("(none)") + ", connectTimeout="
        + connectTimeout + ", readTimeout=" + readTimeout + "}";
  }

  /** Collects a {@link SupervisorEndpoint}. */
  public static final class Builder {
    private String address;
    private int port;
    private String label;
    private Optional<String> username = Optional.empty();
    private Optional<String> password = Optional.empty();
    private Duration connectTimeout = Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS);
    private Duration readTimeout = Duration.ofMillis(DEFAULT_READ_TIMEOUT_MILLIS);

    private Builder() {}

    /**
     * Sets the name messages use for this supervisord.
     *
     * @param label the name messages use for this supervisord (e.g. the vr host name)
     * @return this builder
     */
    public Builder label(String label) {
      this.label = Objects.requireNonNull(label, "label");
      return this;
    }

    /**
     * Sets the basic-auth user and password.
     *
     * @param username basic-auth user of {@code [inet_http_server]}
     * @param password its password; never logged or shown
     * @return this builder
     */
    public Builder credentials(String username, String password) {
      this.username = Optional.of(Objects.requireNonNull(username, "username"));
      this.password = Optional.of(Objects.requireNonNull(password, "password"));
      return this;
    }

    /**
     * Sets the time allowed to connect.
     *
     * @param timeout time allowed to connect
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * Sets the time allowed for a whole reply.
     *
     * @param timeout time allowed for a whole reply
     * @return this builder
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    /**
     * Builds the endpoint.
     *
     * @return the endpoint
     * @throws InvalidValueException if the address, port, credentials or a timeout is invalid
     */
    public SupervisorEndpoint build() {
      return new SupervisorEndpoint(this);
    }
  }
}
