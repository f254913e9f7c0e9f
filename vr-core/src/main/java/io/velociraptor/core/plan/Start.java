package io.velociraptor.core.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.ProcName;
import java.util.Objects;
import java.util.Optional;

/**
 * A proc the plan starts: where, on which port, under which program name, and which proc (if
 * any) it replaces. A replaced proc is stopped only after this one is uptested and routed.
 *
 * @param host the host
 * @param port the port, free on that host
 * @param name the program name (always one of vr's own)
 * @param reason why it starts
 * @param replaces the proc it will retire, if any
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record Start(HostName host, Port port, ProcName.Ours name, StartReason reason, Optional<ProcRef> replaces)
    implements Comparable<Start> {
  /**
   * @throws InvalidValueException if the name's port is not {@code port}, or reason and replaces disagree
   * @param replaces the replaces
   * @param reason the reason
   * @param port the port
   * @param name the name
   * @param host the host
   */
  public Start {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(port, "port");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(replaces, "replaces");
    if (!name.portNumber().equals(port)) {
      throw InvalidValueException.of("start port", port, "program " + name + " names another port");
    }
    if (reason.replaces() != replaces.isPresent()) {
      throw InvalidValueException.of("start reason", reason, "a replacement or restart names the proc it replaces, and only those do");
    }
  }

  @JsonCreator
  static Start json(@JsonProperty("host") HostName host, @JsonProperty("port") Port port,
      @JsonProperty("name") ProcName name, @JsonProperty("reason") StartReason reason,
      @JsonProperty("replaces") Optional<ProcRef> replaces) {
    if (!(name instanceof ProcName.Ours ours)) {
      throw InvalidValueException.of("start name", name, "is not a vr program name (app-version-config-hash-proc-port-swarmid)");
    }
    return new Start(host, port, ours, reason, replaces == null ? Optional.empty() : replaces);
  }

  /** This start as a proc reference. */
  public ProcRef ref() {
    return new ProcRef(host, name);
  }

  /** Orders starts by host, then by port. */
  @Override
  public int compareTo(Start o) {
    int c = host.compareTo(o.host);
    return c != 0 ? c : port.compareTo(o.port);
  }
}
