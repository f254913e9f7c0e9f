package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An app's settings (the original's {@code config_yaml}): a tree of maps with string keys, lists,
 * strings, numbers, booleans and nulls, deeply immutable and kept in key order. Written to
 * {@code settings.yaml} in the proc's container.
 */
public final class Settings {
  private static final Settings EMPTY = new Settings(Collections.emptyMap());
  private final Map<String, Object> tree;

  private Settings(Map<String, Object> tree) {
    this.tree = tree;
  }

  /** Settings with no keys. */
  public static Settings empty() {
    return EMPTY;
  }

  /**
   * Returns a deep immutable copy.
   *
   * @param map a tree of maps, lists and scalars
   * @return a deep immutable copy
   * @throws InvalidValueException if a key is not a string or a value is not a map, list, string,
   *     number, boolean or null; the message names the path
   */
  @JsonCreator
  public static Settings of(Map<?, ?> map) {
    if (map == null || map.isEmpty()) {
      return EMPTY;
    }
    return new Settings(copyMap("settings", map));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> copyMap(String path, Map<?, ?> map) {
    TreeMap<String, Object> out = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw InvalidValueException.of(
            "settings key at " + path, e.getKey(), "keys must be strings (the original rejects them too)");
      }
      out.put(key, copy(path + "." + key, e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object copy(String path, Object value) {
    // numbers are normalised (integers to Long, or BigInteger beyond it; floats to Double) so a
    // tree equals itself after a trip through JSON or YAML
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long
        || value instanceof Double || value instanceof BigDecimal) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger b) {
      return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof Map<?, ?> m) {
      return copyMap(path, m);
    }
    if (value instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (int i = 0; i < l.size(); i++) {
        out.add(copy(path + "[" + i + "]", l.get(i)));
      }
      return Collections.unmodifiableList(out);
    }
    throw InvalidValueException.of(
        "settings value at " + path,
        value,
        "must be a map, list, string, number, boolean or null, not " + value.getClass().getSimpleName());
  }

  /** The tree, keys sorted, deeply unmodifiable. */
  @JsonValue
  public Map<String, Object> asMap() {
    return tree;
  }

  /** Whether there are no keys. */
  public boolean isEmpty() {
    return tree.isEmpty();
  }

  /**
   * Deep merge: where both sides hold a map under the same key the maps are merged, otherwise
   * {@code over}'s value wins (lists and scalars are replaced, not concatenated).
   *
   * @param over the settings that take precedence
   * @return the merged settings
   */
  public Settings merge(Settings over) {
    if (over.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return over;
    }
    return new Settings(mergeMaps(tree, over.tree));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> mergeMaps(Map<String, Object> base, Map<String, Object> over) {
    TreeMap<String, Object> out = new TreeMap<>(base);
    for (Map.Entry<String, Object> e : over.entrySet()) {
      Object mine = out.get(e.getKey());
      if (mine instanceof Map<?, ?> a && e.getValue() instanceof Map<?, ?> b) {
        out.put(e.getKey(), mergeMaps((Map<String, Object>) a, (Map<String, Object>) b));
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** Whether {@code o} holds the same settings tree. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Settings other && other.tree.equals(tree);
  }

  /** A hash code over the settings tree. */
  @Override
  public int hashCode() {
    return tree.hashCode();
  }

  /** The settings tree, for messages. */
  @Override
  public String toString() {
    return tree.toString();
  }
}
