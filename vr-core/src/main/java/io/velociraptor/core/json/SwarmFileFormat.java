package io.velociraptor.core.json;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The swarm file the {@code vr} tool reads, for tools of your own: YAML with the swarm's wire
 * fields ({@code app, version, config, proc, squad, size, one_per_host, pool, balancer, env,
 * settings, volumes, run_as, mem_limit, memsw_limit, ingredients, update, uptest_interval_seconds}),
 * where {@code proc} may also be written {@code proc_type}, {@code uptest_interval_seconds} is how
 * often a reconciler uptests its running procs (default: the reconciler's interval), and {@code update} is the update policy ({@code max_parallel, max_surge,
 * min_in_service, canary, min_healthy_seconds, drain_seconds, auto_revert, on_failure}; see
 * {@code docs/rollouts.md}), plus an optional stable {@code id} and, for offline plans,
 * {@code release_hash}. Without an id, a stored swarm of the same name ({@code app-config-proc})
 * keeps its id and a new one gets {@link SwarmId#derivedFrom}: the id the tool would give it.
 * Pure: text in, swarm out.
 */
public final class SwarmFileFormat {
  /** The keys a swarm file may have. */
  public static final Set<String> KEYS = java.util.Collections.unmodifiableSet(new TreeSet<>(List.of("id", "app",
      "version", "config", "proc", "proc_type", "squad", "size", "one_per_host", "pool", "balancer", "env", "settings",
      "volumes", "run_as", "mem_limit", "memsw_limit", "ingredients", "release_hash", "update",
      "uptest_interval_seconds")));

  /** The file key behind each whole-swarm check's field name. */
  private static final Map<String, String> CHECKED_FIELDS = Map.of("run-as user", "run_as",
      "swarm size", "size", "swarm pool", "pool", "config ingredient", "ingredients",
      "volume container dir", "volumes", "memsw limit", "memsw_limit", "swarm", "app, version, config and proc",
      "uptest_interval_seconds", "uptest_interval_seconds");

  private SwarmFileFormat() {}

  /**
   * A swarm file, read.
   *
   * @param swarm the swarm
   * @param releaseHash the file's {@code release_hash}, for planning without a build
   * @param idGiven whether the file named the id
   */
  public record Parsed(Swarm swarm, Optional<ReleaseHash> releaseHash, boolean idGiven) {}

  /** A swarm file that is not valid: {@link #field()} (as written in the file) and the problem. */
  public static final class Invalid extends VrException {
    private static final long serialVersionUID = 1L;
    /** The field (structured field of the message). */
    private final String field;
    /** The problem (structured field of the message). */
    private final String problem;

    Invalid(String field, String problem, Throwable cause) {
      super(field + " " + problem, cause);
      this.field = field;
      this.problem = problem;
    }

    /** The key the problem is about, as the file writes it ({@code proc}, {@code run_as}...). */
    public String field() {
      return field;
    }

    /** What is wrong with it. */
    public String problem() {
      return problem;
    }
  }

  /**
   * Reads a swarm file into the swarm it describes, with the id the {@code vr} tool would give it.
   *
   * @param yaml the file's text
   * @param storedId the id of the stored swarm of a name, if there is one (the tool looks in its
   *     store; pass {@code name -> Optional.empty()} for none)
   * @return the swarm
   * @throws Invalid naming the key and the problem
   */
  @SuppressWarnings("unchecked")
  public static Parsed parse(String yaml, Function<String, Optional<SwarmId>> storedId) {
    Object tree;
    try {
      tree = VrJson.readYaml(yaml, Object.class);
    } catch (VrException e) {
      throw new Invalid("the document", "is not valid YAML: " + e.getMessage(), e);
    }
    if (!(tree instanceof Map)) {
      throw new Invalid("the document", "must be a mapping of swarm fields (app, version, config, proc, squad...)", null);
    }
    Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) tree);
    for (String k : new TreeSet<>(map.keySet())) {
      if (!KEYS.contains(k)) {
        throw new Invalid(k, "is not a swarm field (known: " + String.join(", ", KEYS) + ")", null);
      }
    }
    if (map.containsKey("proc") && map.containsKey("proc_type")) {
      throw new Invalid("proc", "and proc_type name the same thing: give one", null);
    }
    if (map.containsKey("proc")) {
      map.put("proc_type", map.remove("proc"));
    }
    for (String required : List.of("app", "version", "config", "proc_type", "squad")) {
      if (map.get(required) == null) {
        throw new Invalid(required.equals("proc_type") ? "proc" : required, "is required", null);
      }
    }
    Optional<ReleaseHash> hash = Optional.empty();
    Object h = map.remove("release_hash");
    if (h != null) {
      try {
        hash = Optional.of(ReleaseHash.of(String.valueOf(h)));
      } catch (VrException e) {
        throw new Invalid("release_hash", "\"" + h + "\" is not valid: " + e.getMessage(), e);
      }
    }
    boolean idGiven = map.get("id") != null;
    String swarmName = map.get("app") + "-" + map.get("config") + "-" + map.get("proc_type");
    if (!idGiven) {
      map.put("id", storedId.apply(swarmName).orElseGet(() -> SwarmId.derivedFrom(swarmName)).value());
    }
    try {
      return new Parsed(VrJson.readJson(VrJson.writeJson(map), Swarm.class), hash, idGiven);
    } catch (InvalidInputException e) {
      // the update policy's own checks run once its block is read, so Jackson's path stops at "update"
      throw new Invalid(e.path().isEmpty() || e.path().equals("update") ? checkedKey(e) : e.path().replace("proc_type", "proc"),
          "is not valid: " + e.getMessage(), e);
    } catch (VrException e) {
      throw new Invalid("the swarm", "is not valid: " + e.getMessage(), e);
    }
  }

  /**
   * The key a whole-swarm check was about: those checks run after every field is read, so Jackson
   * knows no path, but their error names the model's field.
   */
  private static String checkedKey(InvalidInputException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidValueException v && v.field().startsWith("update.")) {
        return v.field();
      }
      if (t instanceof InvalidValueException v) {
        return CHECKED_FIELDS.getOrDefault(v.field(), "a field");
      }
    }
    return "a field";
  }
}
