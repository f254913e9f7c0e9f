package io.velociraptor.supervisor;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How to reach the supervisord of each {@link Host}: by default its {@link Host#address()} and
 * {@link Host#supervisorPort()} with shared credentials and timeouts; any host can be overridden
 * with its own {@link SupervisorEndpoint}.
 */
public final class SupervisorEndpoints {
  private final Optional<String> username;
  private final Optional<String> password;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Map<HostName, SupervisorEndpoint> overrides;

  private SupervisorEndpoints(Builder b) {
    this.username = b.username;
    this.password = b.password;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.overrides = Map.copyOf(b.overrides);
  }

  /** A builder: no credentials, default timeouts, no overrides. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns its endpoint: the override if there is one, else built from the host.
   *
   * @param host a host
   * @return its endpoint: the override if there is one, else built from the host
   * @throws io.velociraptor.core.model.InvalidValueException if the host's address cannot be used
   */
  public SupervisorEndpoint forHost(Host host) {
    SupervisorEndpoint o = overrides.get(host.name());
    if (o != null) {
      return o;
    }
    SupervisorEndpoint.Builder b = SupervisorEndpoint.builder(host.address(), host.supervisorPort())
        .label(host.name().value())
        .connectTimeout(connectTimeout)
        .readTimeout(readTimeout);
    if (username.isPresent()) {
      b.credentials(username.get(), password.orElseThrow());
    }
    return b.build();
  }

  /** Collects {@link SupervisorEndpoints}. */
  public static final class Builder {
    private Optional<String> username = Optional.empty();
    private Optional<String> password = Optional.empty();
    private Duration connectTimeout = Duration.ofMillis(SupervisorEndpoint.DEFAULT_CONNECT_TIMEOUT_MILLIS);
    private Duration readTimeout = Duration.ofMillis(SupervisorEndpoint.DEFAULT_READ_TIMEOUT_MILLIS);
    private final Map<HostName, SupervisorEndpoint> overrides = new TreeMap<>();

    private Builder() {}

    /**
     * Sets the basic-auth user and password of every host without an override.
     *
     * @param username the {@code [inet_http_server]} user every host shares
     * @param password its password
     * @return this builder
     */
    public Builder credentials(String username, String password) {
      this.username = Optional.of(Objects.requireNonNull(username, "username"));
      this.password = Optional.of(Objects.requireNonNull(password, "password"));
      return this;
    }

    /**
     * Sets the connect timeout of every host without an override.
     *
     * @param timeout connect timeout for every host without an override
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the read timeout of every host without an override.
     *
     * @param timeout read timeout for every host without an override
     * @return this builder
     */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the endpoint of one host, instead of the defaults.
     *
     * @param host a host name
     * @param endpoint the endpoint to use for it instead of the defaults
     * @return this builder
     */
    public Builder override(HostName host, SupervisorEndpoint endpoint) {
      overrides.put(Objects.requireNonNull(host, "host"), Objects.requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /** The endpoints. */
    public SupervisorEndpoints build() {
      return new SupervisorEndpoints(this);
    }
  }
}
