package io.velociraptor.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks the shape of XML-RPC replies; a wrong shape is a PROTOCOL error naming the method. */
final class Replies {
  private Replies() {}

  static SupervisorException shape(SupervisorEndpoint e, String method, String expected, Object got) {
    String text = String.valueOf(got);
    if (text.length() > 200) {
      text = text.substring(0, 200) + "...";
    }
    return SupervisorException.of(SupervisorException.Kind.PROTOCOL, e.label(), method,
        "supervisor on " + e.label() + " answered " + method + " with " + text + " where vr expects " + expected,
        null);
  }

  static String string(SupervisorEndpoint e, String method, Object o) {
    if (!(o instanceof String)) {
      throw shape(e, method, "a string", o);
    }
    return (String) o;
  }

  static boolean bool(SupervisorEndpoint e, String method, Object o) {
    if (!(o instanceof Boolean)) {
      throw shape(e, method, "a boolean", o);
    }
    return (Boolean) o;
  }

  static long number(SupervisorEndpoint e, String method, Object o) {
    if (!(o instanceof Integer) && !(o instanceof Long)) {
      throw shape(e, method, "an integer", o);
    }
    return ((Number) o).longValue();
  }

  static Object[] array(SupervisorEndpoint e, String method, Object o) {
    if (!(o instanceof Object[])) {
      throw shape(e, method, "an array", o);
    }
    return (Object[]) o;
  }

  static Map<?, ?> map(SupervisorEndpoint e, String method, Object o) {
    if (!(o instanceof Map)) {
      throw shape(e, method, "a struct", o);
    }
    return (Map<?, ?>) o;
  }

  static String stringField(SupervisorEndpoint e, String method, Map<?, ?> m, String key) {
    Object o = m.get(key);
    if (!(o instanceof String)) {
      throw shape(e, method, "a string field '" + key + "'", o);
    }
    return (String) o;
  }

  static int intField(SupervisorEndpoint e, String method, Map<?, ?> m, String key) {
    Object o = m.get(key);
    if (!(o instanceof Integer)) {
      throw shape(e, method, "an integer field '" + key + "'", o);
    }
    return (Integer) o;
  }

  static ConfigChanges configChanges(SupervisorEndpoint e, String method, Object o) {
    Object[] outer = array(e, method, o);
    if (outer.length != 1) {
      throw shape(e, method, "[[added, changed, removed]]", o);
    }
    Object[] three = array(e, method, outer[0]);
    if (three.length != 3) {
      throw shape(e, method, "[[added, changed, removed]]", o);
    }
    return new ConfigChanges(names(e, method, three[0]), names(e, method, three[1]), names(e, method, three[2]));
  }

  private static List<String> names(SupervisorEndpoint e, String method, Object o) {
    List<String> out = new ArrayList<>();
    for (Object n : array(e, method, o)) {
      out.add(string(e, method, n));
    }
    return out;
  }
}
