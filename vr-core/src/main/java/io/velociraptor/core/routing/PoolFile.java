package io.velociraptor.core.routing;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.PoolName;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One pool's nginx upstream file, as vr writes and reads it:
 *
 * <pre>
 * # written by vr: pool web of balancer default; do not edit
 * upstream web {
 *   server 10.0.0.5:5001;
 *   server 10.0.0.6:5003;
 * }
 * </pre>
 *
 * An empty pool, where the file is kept, holds the one placeholder {@code server 127.0.0.1:1
 * down;}: nginx refuses an upstream with no server (the original's empty-pool bug), and a
 * {@code down} server takes no traffic. Reading is strict: a line vr would not write is an error,
 * never silently dropped.
 */
final class PoolFile {
  static final String HEADER = "# written by vr";
  static final String PLACEHOLDER = "server 127.0.0.1:1 down;";

  private PoolFile() {}

  /** The file's text; the members are already checked by {@link RoutingNames}. */
  static String render(String balancer, PoolName pool, SortedSet<PoolMember> members) {
    StringBuilder out = new StringBuilder(HEADER).append(": pool ").append(pool).append(" of balancer ")
        .append(balancer).append("; do not edit\n");
    out.append("upstream ").append(pool).append(" {\n");
    if (members.isEmpty()) {
      out.append("  ").append(PLACEHOLDER).append('\n');
    }
    for (PoolMember m : members) {
      out.append("  server ").append(m.format()).append(";\n");
    }
    return out.append("}\n").toString();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @return the members, or a description of the first line vr did not write
   */
  static Parsed parse(PoolName pool, String text) {
    TreeSet<PoolMember> members = new TreeSet<>();
    boolean header = false;
    boolean open = false;
    boolean closed = false;
    int lineNo = 0;
    for (String raw : text.split("\n", -1)) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (!header) {
        if (!line.startsWith(HEADER)) {
          return Parsed.bad("line " + lineNo + " is not vr's header: " + RoutingNames.quote(line));
        }
        header = true;
      } else if (!open) {
        if (!line.equals("upstream " + pool + " {")) {
          return Parsed.bad("line " + lineNo + " should open upstream " + pool + ": " + RoutingNames.quote(line));
        }
        open = true;
      } else if (closed) {
        return Parsed.bad("line " + lineNo + " follows the upstream's end: " + RoutingNames.quote(line));
      } else if (line.equals("}")) {
        closed = true;
      } else if (line.equals(PLACEHOLDER)) {
        continue;
      } else if (line.startsWith("server ") && line.endsWith(";")) {
        String member = line.substring("server ".length(), line.length() - 1).strip();
        try {
          members.add(PoolMember.parse(member));
        } catch (InvalidValueException e) {
          return Parsed.bad("line " + lineNo + " has a server vr did not write: " + RoutingNames.quote(line));
        }
      } else {
        return Parsed.bad("line " + lineNo + " is not vr's: " + RoutingNames.quote(line));
      }
    }
    if (!closed) {
      return Parsed.bad("the upstream block is not closed");
    }
    return new Parsed(members, Optional.empty());
  }

  /** A parsed pool file: its members, or why it is not vr's. */
  record Parsed(SortedSet<PoolMember> members, Optional<String> problem) {
    static Parsed bad(String problem) {
      return new Parsed(new TreeSet<>(), Optional.of(problem));
    }
  }
}
