package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A balancer node, {@code host:port}, as the original's {@code Proc.as_node}.
 *
 * @param address the host address the balancer connects to
 * @param port the proc's port
 */
public record PoolMember(String address, Port port) implements Comparable<PoolMember> {
  /**
   * @throws InvalidValueException if the address is empty or has unsafe characters
   * @param port the port
   * @param address the address
   */
  public PoolMember {
    Checks.text("pool member address", address);
    if (address.chars().anyMatch(c -> c == ' ' || c == ';' || c == '{' || c == '}' || c == '#' || c == '/')) {
      throw InvalidValueException.of("pool member address", address, "must be a host name or IP address");
    }
    java.util.Objects.requireNonNull(port, "port");
  }

  /**
   * The member at {@code address:port}.
   *
   * @param address the host address
   * @param port the port
   * @return the member
   */
  public static PoolMember of(String address, Port port) {
    return new PoolMember(address, port);
  }

  /**
   * Parses a member written as {@code address:port}.
   *
   * @param text {@code host:port}
   * @return the member
   * @throws InvalidValueException if the text is not {@code host:port}
   */
  @JsonCreator
  public static PoolMember parse(String text) {
    Names.requireText("pool member", text);
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw InvalidValueException.of("pool member", text, "must be host:port");
    }
    try {
      return new PoolMember(text.substring(0, colon), Port.parse(text.substring(colon + 1)));
    } catch (InvalidValueException e) {
      throw InvalidValueException.of("pool member", text, e.getMessage());
    }
  }

  /** Returns {@code host:port}. */
  @JsonValue
  public String format() {
    return address + ":" + port;
  }

  /** Orders members by address, then by port. */
  @Override
  public int compareTo(PoolMember o) {
    int c = address.compareTo(o.address);
    return c != 0 ? c : port.compareTo(o.port);
  }

  @Override
  public String toString() {
    return format();
  }
}
