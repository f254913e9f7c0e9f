package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The hosts and squads a dispatcher manages: what an operator configures, as opposed to what is
 * observed on the hosts.
 *
 * @param hosts every host, active or not
 * @param squads the squads; each names hosts of {@code hosts}
 */
public record FleetConfig(List<Host> hosts, List<Squad> squads) {
  /**
   * @throws InvalidValueException if a host is listed twice or a squad names an unknown host
   * @param squads the squads
   * @param hosts the hosts
   */
  public FleetConfig {
    hosts = List.copyOf(hosts);
    squads = List.copyOf(squads);
    Set<HostName> names = new HashSet<>();
    for (Host h : hosts) {
      if (!names.add(h.name())) {
        throw InvalidValueException.of("host", h.name(), "is configured twice");
      }
    }
    for (Squad s : squads) {
      for (HostName h : s.hosts()) {
        if (!names.contains(h)) {
          throw InvalidValueException.of("squad " + s.name() + " host", h, "is not a configured host");
        }
      }
    }
  }

  /**
   * The fleet of these hosts and squads, checked.
   *
   * @param hosts every host
   * @param squads the squads
   * @return the config
   * @throws InvalidValueException if a host is listed twice or a squad names an unknown host
   */
  public static FleetConfig of(List<Host> hosts, List<Squad> squads) {
    return new FleetConfig(hosts, squads);
  }

  /**
   * The configured host of that name.
   *
   * @param name a host name
   * @return the host
   * @throws InvalidValueException if no such host is configured
   */
  public Host host(HostName name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst()
        .orElseThrow(() -> InvalidValueException.of("host", name, "is not a configured host"));
  }

  /**
   * Returns the squad, if configured.
   *
   * @param name a squad name
   * @return the squad, if configured
   */
  public Optional<Squad> squad(SquadName name) {
    return squads.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
