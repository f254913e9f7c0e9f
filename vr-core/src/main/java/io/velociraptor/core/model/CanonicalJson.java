package io.velociraptor.core.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Deterministic JSON text for hashing: keys sorted, fixed separators. {@link #COMPACT} is vr's
 * ({@code ,} and {@code :}, UTF-8 as is); {@link #PYTHON} is Python's {@code json.dumps(...,
 * sort_keys=True)} ({@code ", "} and {@code ": "}, non-ASCII as {@code \\uXXXX}), which the
 * original's release hash used.
 */
final class CanonicalJson {
  static final CanonicalJson COMPACT = new CanonicalJson(",", ":", false);
  static final CanonicalJson PYTHON = new CanonicalJson(", ", ": ", true);

  private final String itemSeparator;
  private final String keySeparator;
  private final boolean asciiOnly;

  private CanonicalJson(String itemSeparator, String keySeparator, boolean asciiOnly) {
    this.itemSeparator = itemSeparator;
    this.keySeparator = keySeparator;
    this.asciiOnly = asciiOnly;
  }

  String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private void write(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      string(out, s);
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
        || value instanceof Short || value instanceof Byte) {
      out.append(value);
    } else if (value instanceof BigDecimal d) {
      out.append(d.toPlainString());
    } else if (value instanceof Double || value instanceof Float) {
      out.append(pythonFloat(((Number) value).doubleValue()));
    } else if (value instanceof Map<?, ?> m) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        if (!first) {
          out.append(itemSeparator);
        }
        first = false;
        string(out, e.getKey());
        out.append(keySeparator);
        write(out, e.getValue());
      }
      out.append('}');
    } else if (value instanceof List<?> l) {
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          out.append(itemSeparator);
        }
        write(out, l.get(i));
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  private static String pythonFloat(double d) {
    if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) {
      return BigDecimal.valueOf(d).setScale(1).toPlainString();
    }
    return Double.toString(d);
  }

  private void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || (asciiOnly && c > 0x7e)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
