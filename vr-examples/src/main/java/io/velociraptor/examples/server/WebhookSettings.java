package io.velociraptor.examples.server;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * A webhook: events of these types are posted to the URL, signed with the secret.
 *
 * @param url where to post
 * @param events the event types ({@code run_done}...), empty for all
 * @param secretFile the file holding the HMAC secret
 */
public record WebhookSettings(URI url, Set<String> events, Path secretFile) {
  /** Copies the set. */
  public WebhookSettings {
    events = Set.copyOf(events);
  }
}
