package io.velociraptor.core.routing;

import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import io.velociraptor.core.spi.BalancerException;
import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names a balancer accepts, so that nothing unchecked reaches a balancer's configuration:
 * pool names that do not start with {@code .} (nginx's {@code include *.conf} skips hidden
 * files), and members whose address is a host name, an IPv4 address or an IPv6 address (kept in
 * brackets, {@code [::1]:80}).
 */
final class RoutingNames {
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private RoutingNames() {}

  static PoolName pool(String balancer, PoolName pool) {
    if (pool.value().startsWith(".")) {
      throw new BalancerException(balancer, pool.value(), null,
          "a pool name must not start with '.': its file would be hidden from nginx's include", null);
    }
    return pool;
  }

  /** The member in its one routable spelling, or a refusal naming it. */
  static PoolMember member(String balancer, PoolName pool, PoolMember member) {
    String address = member.address();
    String bare = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    if (bare.contains(":")) {
      if (!IPV6.matcher(bare).matches()) {
        throw refused(balancer, pool, member, "an address with ':' must be an IPv6 address");
      }
      return PoolMember.of("[" + bare + "]", member.port());
    }
    if (!bare.equals(address)) {
      throw refused(balancer, pool, member, "only IPv6 addresses go in brackets");
    }
    try {
      HostName.of(address);
    } catch (InvalidValueException e) {
      throw refused(balancer, pool, member, "the address must be a host name or an IP address");
    }
    return member;
  }

  static SortedSet<PoolMember> members(String balancer, PoolName pool, Collection<PoolMember> members) {
    TreeSet<PoolMember> out = new TreeSet<>();
    for (PoolMember m : members) {
      out.add(member(balancer, pool, m));
    }
    return out;
  }

  private static BalancerException refused(String balancer, PoolName pool, PoolMember member, String rule) {
    return new BalancerException(balancer, pool.value(), null,
        "refused member " + quote(member.format()) + ": " + rule, null);
  }

  /** Quotes text for a message, control characters escaped. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    text.chars().forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append((char) c);
      }
    });
    return out.append('"').toString();
  }
}
