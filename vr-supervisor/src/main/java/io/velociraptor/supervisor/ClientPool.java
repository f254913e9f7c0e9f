package io.velociraptor.supervisor;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** One {@link SupervisorClient} per host, made on first use and replaced if its endpoint changes. */
final class ClientPool implements AutoCloseable {
  private final SupervisorEndpoints endpoints;
  private final ConcurrentMap<HostName, SupervisorClient> clients = new ConcurrentHashMap<>();

  ClientPool(SupervisorEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  SupervisorEndpoints endpoints() {
    return endpoints;
  }

  SupervisorClient client(Host host) {
    SupervisorEndpoint wanted = endpoints.forHost(host);
    return clients.compute(host.name(), (name, existing) -> {
      if (existing != null && existing.endpoint().equals(wanted)) {
        return existing;
      }
      if (existing != null) {
        existing.close();
      }
      return SupervisorClient.of(wanted);
    });
  }

  @Override
  public void close() {
    clients.values().forEach(SupervisorClient::close);
    clients.clear();
  }
}
