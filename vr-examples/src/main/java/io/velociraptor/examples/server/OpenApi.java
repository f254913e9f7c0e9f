package io.velociraptor.examples.server;

import io.velociraptor.core.json.VrJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 description of the server, made at startup from its route table, so it lists
 * exactly the routes the server has (a test compares it with what Javalin registered).
 */
final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([a-z_]+)}");

  private OpenApi() {}

  static String document(List<ApiRoute> routes) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", "vr serve", "version", "1",
        "description", "The vr control plane: the JSON API over the operations of the vr CLI (docs/api.md)."));
    Map<String, Object> schemes = new LinkedHashMap<>();
    schemes.put("bearer", Map.of("type", "http", "scheme", "bearer"));
    schemes.put("session", Map.of("type", "apiKey", "in", "cookie", "name", Auth.COOKIE));
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", "object");
    error.put("required", List.of("error", "status"));
    error.put("properties", Map.of("error", Map.of("type", "string"), "hint", Map.of("type", "string"),
        "exit_code", Map.of("type", "integer"), "status", Map.of("type", "integer"), "run", Map.of("type", "string")));
    doc.put("components", Map.of("securitySchemes", schemes, "schemas", Map.of("Error", error)));
    Map<String, Map<String, Object>> paths = new TreeMap<>();
    for (ApiRoute r : routes) {
      List<String> params = new ArrayList<>();
      Matcher m = PARAM.matcher(r.path());
      while (m.find()) {
        params.add(m.group(1));
      }
      paths.computeIfAbsent(r.path(), p -> new LinkedHashMap<>()).put(r.method().name().toLowerCase(Locale.ROOT),
          operation(r.summary(), params, r.role().orElse(null), operationId(r)));
    }
    doc.put("paths", paths);
    return VrJson.writeJson(doc);
  }

  private static Map<String, Object> operation(String summary, List<String> params, Role role, String id) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", id);
    op.put("summary", summary);
    if (role != null) {
      op.put("x-vr-role", role.wire());
      op.put("security", List.of(Map.of("bearer", List.of()), Map.of("session", List.of())));
    } else {
      op.put("security", List.of());
    }
    List<Object> ps = new ArrayList<>();
    for (String p : params) {
      ps.add(Map.of("name", p, "in", "path", "required", true, "schema", Map.of("type", "string")));
    }
    if (!ps.isEmpty()) {
      op.put("parameters", ps);
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    responses.put("default", Map.of("description", "an error", "content",
        Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error")))));
    responses.put("2XX", Map.of("description", "done"));
    op.put("responses", responses);
    return op;
  }

  private static String operationId(ApiRoute r) {
    StringBuilder b = new StringBuilder(r.method().name().toLowerCase(Locale.ROOT));
    for (String seg : r.path().replaceFirst("^/api/?", "").split("[/.-]")) {
      if (seg.isEmpty()) {
        continue;
      }
      String s = seg.startsWith("{") ? "By" + cap(seg.substring(1, seg.length() - 1)) : cap(seg);
      b.append(s);
    }
    return b.toString();
  }

  private static String cap(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
