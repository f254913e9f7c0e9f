package io.velociraptor.examples.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code serve:} section of {@code vr.yaml}: where the server listens, its API tokens (hashed),
 * TLS, webhooks and the reconciler's schedule.
 *
 * @param listen where to listen
 * @param tokens the API tokens, by name
 * @param tls the keystore, when the server speaks HTTPS only
 * @param webhooks where events are posted
 * @param reconcile the reconciler's schedule
 */
public record ServeSettings(Listen listen, List<ApiToken> tokens, Optional<Tls> tls, List<WebhookSettings> webhooks,
    ReconcileSettings reconcile) {
  /** The address the server listens on when none is given. */
  public static final String DEFAULT_LISTEN = "127.0.0.1:7070";

  /** Copies the lists. */
  public ServeSettings {
    tokens = List.copyOf(tokens);
    webhooks = List.copyOf(webhooks);
  }

  /** @return the defaults: loopback port 7070, no tokens, no TLS, no webhooks, the default schedule */
  public static ServeSettings defaults() {
    return new ServeSettings(Listen.parse(DEFAULT_LISTEN, false), List.of(), Optional.empty(), List.of(),
        ReconcileSettings.defaults());
  }

  /**
   * Returns these settings listening elsewhere (from {@code --listen}).
   *
   * @param listen the address
   * @return the settings with that address
   */
  public ServeSettings withListen(Listen listen) {
    return new ServeSettings(listen, tokens, tls, webhooks, reconcile);
  }

  /**
   * Returns these settings with another token list (the demo's fresh admin token).
   *
   * @param tokens the tokens
   * @return the settings with those tokens
   */
  public ServeSettings withTokens(List<ApiToken> tokens) {
    return new ServeSettings(listen, tokens, tls, webhooks, reconcile);
  }

  /**
   * Where the server listens.
   *
   * @param host a host name or IP address
   * @param port the port (0: any free one)
   * @param explicit whether it was given (in the config or with {@code --listen}) rather than the default
   */
  public record Listen(String host, int port, boolean explicit) {
    /**
     * Reads {@code HOST:PORT} ({@code [::1]:PORT} for IPv6).
     *
     * @param text the address
     * @param explicit whether it was given rather than defaulted
     * @return the address
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Listen parse(String text, boolean explicit) {
      String t = text.strip();
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || colon == t.length() - 1) {
        throw new IllegalArgumentException("write it as HOST:PORT, e.g. " + DEFAULT_LISTEN);
      }
      String host = t.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(t.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the port \"" + t.substring(colon + 1) + "\" is not a number");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("the port " + port + " must be between 0 and 65535");
      }
      return new Listen(host, port, explicit);
    }

    /** @return whether the address is this machine's loopback only */
    public boolean isLoopback() {
      if (host.equals("localhost")) {
        return true;
      }
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * An API token, as the config holds it: its name, the SHA-256 of its text (hex), its role.
   *
   * @param name a name for people (it is what logs say, never the token)
   * @param sha256 the hex SHA-256 of the token's text
   * @param role what it may do
   */
  public record ApiToken(String name, String sha256, Role role) {
    /**
     * Hashes a token's text as the config holds it (surrounding blanks are not part of a token).
     *
     * @param token the token's text
     * @return its SHA-256, lowercase hex
     */
    public static String hash(String token) {
      try {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(token.strip().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no SHA-256", e);
      }
    }

    @Override
    public String toString() {
      return "token " + name + " (" + role.wire() + ")"; // never the hash
    }
  }

  /**
   * HTTPS: a PKCS12 keystore and the file holding its password.
   *
   * @param keystore the PKCS12 keystore
   * @param passwordFile a file whose first line is the keystore's password
   */
  public record Tls(Path keystore, Path passwordFile) {}
}
