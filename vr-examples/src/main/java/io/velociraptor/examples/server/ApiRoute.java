package io.velociraptor.examples.server;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.Optional;

/**
 * One route of the server: method, path (Javalin's and OpenAPI's {@code {param}} form), the role
 * it needs (empty: open to everyone), a summary for the OpenAPI description, and its handler.
 * The server's table of these is the one place that says which route needs which role.
 *
 * @param method the HTTP method
 * @param path the path
 * @param role the role it needs; empty for the open routes (health, OpenAPI, login)
 * @param summary one line for the OpenAPI description
 * @param handler what it does
 */
public record ApiRoute(HandlerType method, String path, Optional<Role> role, String summary, Handler handler) {
  /**
   * A route that needs a token of at least that role.
   *
   * @param method the HTTP method
   * @param path the path
   * @param role the role it needs
   * @param summary one line for the OpenAPI description
   * @param handler what it does
   * @return the route
   */
  public static ApiRoute of(HandlerType method, String path, Role role, String summary, Handler handler) {
    return new ApiRoute(method, path, Optional.of(role), summary, handler);
  }

  /**
   * A route open to everyone.
   *
   * @param method the HTTP method
   * @param path the path
   * @param summary one line for the OpenAPI description
   * @param handler what it does
   * @return the route
   */
  public static ApiRoute open(HandlerType method, String path, String summary, Handler handler) {
    return new ApiRoute(method, path, Optional.empty(), summary, handler);
  }

  /** @return {@code METHOD path}, the route's key */
  public String key() {
    return method.name() + " " + path;
  }
}
