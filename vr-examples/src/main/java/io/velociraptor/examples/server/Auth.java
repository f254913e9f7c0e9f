package io.velociraptor.examples.server;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a request is: an API token from the config (compared by its SHA-256, in constant time) or a
 * session that {@code POST /api/login} opened with one. Sessions live in memory with an expiry.
 * Neither a token, a hash nor a session id is ever logged or put in a message.
 */
final class Auth {
  /** The cookie that carries a session id. */
  static final String COOKIE = "vr_session";
  /** How long a session lives after login. */
  static final Duration SESSION_TTL = Duration.ofHours(12);

  /** Who made a request: the token's name and role. */
  record Principal(String name, Role role) {}

  private record Session(Principal who, Instant expires) {}

  private final List<ServeSettings.ApiToken> tokens;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  Auth(List<ServeSettings.ApiToken> tokens, Clock clock) {
    this.tokens = List.copyOf(tokens);
    this.clock = clock;
  }

  /** @return the configured token whose hash is the token's, compared in constant time over every token */
  Optional<Principal> token(String token) {
    byte[] given = HexFormat.of().parseHex(ServeSettings.ApiToken.hash(token));
    Principal found = null;
    for (ServeSettings.ApiToken t : tokens) {
      // every token is compared, found or not: the time says nothing of which matched
      if (MessageDigest.isEqual(given, HexFormat.of().parseHex(t.sha256())) && found == null) {
        found = new Principal(t.name(), t.role());
      }
    }
    return Optional.ofNullable(found);
  }

  /** @return the live session of that id */
  Optional<Principal> session(String id) {
    Session s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(s.expires())) {
      sessions.remove(id, s);
      return Optional.empty();
    }
    return Optional.of(s.who());
  }

  /** Opens a session for a principal; @return its id (256 random bits, hex) */
  String login(Principal who) {
    sweep();
    byte[] id = new byte[32];
    random.nextBytes(id);
    String sid = HexFormat.of().formatHex(id);
    sessions.put(sid, new Session(who, clock.instant().plus(SESSION_TTL)));
    return sid;
  }

  void logout(String id) {
    sessions.remove(id);
  }

  /** Forgets expired sessions, so that logins that never log out do not pile up. */
  private void sweep() {
    Instant now = clock.instant();
    sessions.entrySet().removeIf(e -> !now.isBefore(e.getValue().expires()));
  }

  /** @return whether any token is configured (else nothing but the open routes can be used) */
  boolean hasTokens() {
    return !tokens.isEmpty();
  }
}
