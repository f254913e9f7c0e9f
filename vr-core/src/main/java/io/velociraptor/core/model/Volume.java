package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host directory bind-mounted into a proc's container. On the wire it keeps the original's
 * list form {@code [host_dir, container_dir]}, with a third element {@code "ro"} when read-only;
 * the map form {@code {host_dir, container_dir, read_only}} is read too. Both paths must be
 * absolute and normalised (no {@code .} or {@code ..} segments, no doubled slashes, no trailing
 * slash, no control characters, no spaces or commas, which LXC's mount entries cannot carry).
 *
 * @param hostDir the directory on the host
 * @param containerDir where it appears inside the container
 * @param readOnly whether the proc may only read it
 */
public record Volume(String hostDir, String containerDir, boolean readOnly) implements Comparable<Volume> {
  /**
   * @throws InvalidValueException if a path is relative, not normalised, or has unsafe characters
   * @param readOnly the read only
   * @param hostDir the host dir
   * @param containerDir the container dir
   */
  public Volume {
    checkPath("volume host dir", hostDir);
    checkPath("volume container dir", containerDir);
    if (containerDir.equals("/")) {
      throw InvalidValueException.of("volume container dir", containerDir, "cannot mount over the container root");
    }
  }

  /**
   * Returns the validated volume.
   *
   * @param hostDir the directory on the host
   * @param containerDir where it appears inside the container
   * @param readOnly whether the proc may only read it
   * @return the validated volume
   * @throws InvalidValueException if a path is relative, not normalised, or has unsafe characters
   */
  public static Volume of(String hostDir, String containerDir, boolean readOnly) {
    return new Volume(hostDir, containerDir, readOnly);
  }

  /**
   * Reads either wire form.
   *
   * @param wire a list {@code [host, container]} or {@code [host, container, "ro"|"rw"]}, or a map
   * @return the volume
   * @throws InvalidValueException if the form or a path is wrong; the message names it
   */
  @JsonCreator
  public static Volume fromWire(Object wire) {
    if (wire instanceof List<?> list) {
      if (list.size() < 2 || list.size() > 3) {
        throw InvalidValueException.of("volume", wire, "use [host_dir, container_dir] or [host_dir, container_dir, \"ro\"]");
      }
      boolean ro = false;
      if (list.size() == 3) {
        Object mode = list.get(2);
        if ("ro".equals(mode)) {
          ro = true;
        } else if (!"rw".equals(mode)) {
          throw InvalidValueException.of("volume mode", mode, "must be \"ro\" or \"rw\"");
        }
      }
      return new Volume(text("volume host dir", list.get(0)), text("volume container dir", list.get(1)), ro);
    }
    if (wire instanceof Map<?, ?> map) {
      Object ro = map.get("read_only");
      if (ro != null && !(ro instanceof Boolean)) {
        throw InvalidValueException.of("volume read_only", ro, "must be true or false");
      }
      return new Volume(text("volume host_dir", map.get("host_dir")),
          text("volume container_dir", map.get("container_dir")), Boolean.TRUE.equals(ro));
    }
    throw InvalidValueException.of("volume", wire, "use [host_dir, container_dir] or [host_dir, container_dir, \"ro\"]");
  }

  private static String text(String field, Object value) {
    if (!(value instanceof String s)) {
      throw InvalidValueException.of(field, value, "must be a path string");
    }
    return s;
  }

  /** The original's list form, with {@code "ro"} appended when read-only. */
  @JsonValue
  public List<String> toWire() {
    List<String> out = new ArrayList<>(3);
    out.add(hostDir);
    out.add(containerDir);
    if (readOnly) {
      out.add("ro");
    }
    return List.copyOf(out);
  }

  static void checkPath(String field, String path) {
    Names.requireText(field, path);
    if (path.charAt(0) != '/') {
      throw InvalidValueException.of(field, path, "must be an absolute path");
    }
    if (path.length() > 1 && path.endsWith("/")) {
      throw InvalidValueException.of(field, path, "must not end with a slash");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f || c == ' ' || c == ',' || c == '\\') {
        throw InvalidValueException.of(field, path, "must not contain spaces, commas, backslashes or control characters");
      }
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (path.length() > 1 && (segment.isEmpty() || segment.equals(".") || segment.equals(".."))) {
        throw InvalidValueException.of(field, path, "must be normalised (no empty, . or .. segments)");
      }
    }
  }

  /** Orders volumes by container directory, then by host directory. */
  @Override
  public int compareTo(Volume o) {
    int c = containerDir.compareTo(o.containerDir);
    return c != 0 ? c : hostDir.compareTo(o.hostDir);
  }
}
