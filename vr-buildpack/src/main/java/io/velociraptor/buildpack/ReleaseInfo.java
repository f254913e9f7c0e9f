package io.velociraptor.buildpack;

import com.fasterxml.jackson.databind.JsonNode;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.InvalidProcfileException;
import io.velociraptor.core.model.Procfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a buildpack's {@code bin/release} printed: {@code config_vars},
 * {@code default_process_types} and {@code addons}. Other keys are ignored.
 */
record ReleaseInfo(
    SortedMap<String, String> configVars,
    SortedMap<String, String> defaultProcessTypes,
    List<String> addons) {

  static final ReleaseInfo EMPTY = new ReleaseInfo(new TreeMap<>(), new TreeMap<>(), List.of());

  ReleaseInfo {
    configVars = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(configVars));
    defaultProcessTypes =
        java.util.Collections.unmodifiableSortedMap(new TreeMap<>(defaultProcessTypes));
    addons = addons.stream().sorted().distinct().toList();
  }

  /**
   * @param yaml the release script's stdout
   * @param buildpack who printed it, for error messages
   */
  static ReleaseInfo parse(String yaml, String buildpack) {
    if (yaml.isBlank()) {
      return EMPTY;
    }
    if (yaml.length() > VrJson.MAX_DOCUMENT_CHARS) {
      throw new InvalidBuildInputException("bin/release output of " + buildpack, 0,
          yaml.length() + " characters", "is larger than " + VrJson.MAX_DOCUMENT_CHARS);
    }
    String source = "bin/release output of " + buildpack;
    JsonNode root;
    try {
      root = VrJson.yaml().readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidBuildInputException(source, 0, firstLine(yaml),
          "is not YAML: " + e.getOriginalMessage());

    }
    if (root == null || root.isNull() || root.isMissingNode()
        || (root.isTextual() && root.asText().isEmpty())) {
      return EMPTY;
    }
    if (!root.isObject()) {
      throw new InvalidBuildInputException(source, 0, firstLine(yaml), "must be a YAML mapping");
    }
    SortedMap<String, String> vars = stringMap(root.get("config_vars"), source, "config_vars");
    SortedMap<String, String> types =
        stringMap(root.get("default_process_types"), source, "default_process_types");
    for (Map.Entry<String, String> t : types.entrySet()) {
      try {
        Procfile.of(Map.of(t.getKey(), t.getValue())); // same rules as a Procfile line
      } catch (InvalidProcfileException e) {
        throw new InvalidBuildInputException(source, 0, e.badValue(),
            "default_process_types: " + e.problem());
      }
    }
    List<String> addons = new ArrayList<>();
    JsonNode a = root.get("addons");
    if (a != null && !a.isNull()) {
      if (!a.isArray()) {
        throw new InvalidBuildInputException(source, 0, a.toString(), "addons must be a list");
      }
      for (JsonNode n : a) {
        String addon = n.isValueNode() && !n.isNull() ? n.asText().strip() : "";
        if (addon.isEmpty() || addon.length() > 200
            || addon.codePoints().anyMatch(Character::isISOControl)) {
          throw new InvalidBuildInputException(source, 0, n.toString(),
              "each addon must be a name on one line (at most 200 characters)");
        }
        addons.add(addon);
      }
    }
    return new ReleaseInfo(vars, types, addons);
  }

  private static SortedMap<String, String> stringMap(JsonNode n, String source, String key) {
    SortedMap<String, String> out = new TreeMap<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw new InvalidBuildInputException(source, 0, n.toString(), key + " must be a mapping");
    }
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      JsonNode v = e.getValue();
      if (v.isContainerNode()) {
        throw new InvalidBuildInputException(source, 0, e.getKey(),
            key + " values must be plain strings or numbers");
      }
      out.put(e.getKey(), v.isNull() ? "" : v.asText());
    }
    return out;
  }

  private static String firstLine(String s) {
    String l = s.strip();
    int nl = l.indexOf('\n');
    return nl < 0 ? l : l.substring(0, nl);
  }
}
