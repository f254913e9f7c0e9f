package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads one YAML mapping of a config file, field by field, so every mistake names its field
 * ({@code hosts[1].port_range}), and refuses fields it does not know (a typo is not ignored).
 */
final class Fields {
  private final String file;
  private final String path;
  private final Map<String, Object> map;
  private final Set<String> read = new TreeSet<>();

  Fields(String file, String path, Map<String, Object> map) {
    this.file = file;
    this.path = path;
    this.map = map;
  }

  @SuppressWarnings("unchecked")
  static Fields root(String file, Object tree) {
    if (!(tree instanceof Map)) {
      throw new ConfigException(file, "the document", "must be a mapping of fields (key: value)");
    }
    return new Fields(file, "", (Map<String, Object>) tree);
  }

  String field(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  ConfigException error(String key, String problem) {
    return new ConfigException(file, field(key), problem);
  }

  boolean has(String key) {
    return map.containsKey(key) && map.get(key) != null;
  }

  Optional<String> string(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Map || v instanceof List) {
      throw error(key, "must be a single value, not " + (v instanceof Map ? "a mapping" : "a list"));
    }
    return Optional.of(String.valueOf(v));
  }

  String required(String key) {
    return string(key).orElseThrow(() -> error(key, "is required"));
  }

  <T> Optional<T> value(String key, Function<String, T> parse) {
    Optional<String> s = string(key);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parse.apply(s.get()));
    } catch (VrException | IllegalArgumentException e) {
      throw error(key, "\"" + s.get() + "\" is not valid: " + e.getMessage());
    }
  }

  int integer(String key, int dflt, int min, int max) {
    Optional<String> s = string(key);
    if (s.isEmpty()) {
      return dflt;
    }
    Object raw = map.get(key);
    if (raw instanceof String) {
      throw error(key, "\"" + s.get() + "\" is a string, not a whole number (write the number without quotes)");
    }
    int v;
    try {
      v = Integer.parseInt(s.get().trim());
    } catch (NumberFormatException e) {
      throw error(key, "\"" + s.get() + "\" is not a whole number");
    }
    if (v < min || v > max) {
      throw error(key, v + " must be between " + min + " and " + max);
    }
    return v;
  }

  boolean bool(String key, boolean dflt) {
    Optional<String> s = string(key);
    if (s.isEmpty()) {
      return dflt;
    }
    return switch (s.get()) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error(key, "\"" + s.get() + "\" must be true or false");
    };
  }

  String oneOf(String key, String dflt, String... allowed) {
    String v = string(key).orElse(dflt);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw error(key, "\"" + v + "\" must be one of " + String.join(", ", allowed));
  }

  @SuppressWarnings("unchecked")
  Optional<Fields> object(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map)) {
      throw error(key, "must be a mapping of fields (key: value)");
    }
    return Optional.of(new Fields(file, field(key), (Map<String, Object>) v));
  }

  @SuppressWarnings("unchecked")
  List<Fields> objects(String key) {
    read.add(key);
    Object v = map.get(key);
    List<Fields> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof List)) {
      throw error(key, "must be a list");
    }
    List<Object> list = (List<Object>) v;
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      String p = field(key) + "[" + i + "]";
      if (!(item instanceof Map)) {
        throw new ConfigException(file, p, "must be a mapping of fields (key: value)");
      }
      out.add(new Fields(file, p, (Map<String, Object>) item));
    }
    return out;
  }

  List<String> strings(String key) {
    read.add(key);
    Object v = map.get(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof List<?> list)) {
      throw error(key, "must be a list");
    }
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (item == null || item instanceof Map || item instanceof List) {
        throw new ConfigException(file, field(key) + "[" + i + "]", "must be a single value");
      }
      out.add(String.valueOf(item));
    }
    return out;
  }

  /** Refuses fields nobody read: a misspelt key is an error, not a silent default. */
  void noOthers() {
    for (String k : new TreeSet<>(map.keySet())) {
      if (!read.contains(k)) {
        throw error(k, "is not a known field (known here: " + String.join(", ", read) + ")");
      }
    }
  }
}
