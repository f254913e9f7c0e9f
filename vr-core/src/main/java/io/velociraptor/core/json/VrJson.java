package io.velociraptor.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.velociraptor.core.VrException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;

/**
 * The one configured Jackson setup of vr: snake_case keys, Optional and java.time support,
 * absent optionals left out, unknown keys ignored, ISO-8601 instants, sorted map keys. YAML reading is bounded: documents
 * over {@link #MAX_DOCUMENT_CHARS} and alias bombs are refused. Reading is strict: a key given twice in one mapping
 * (at any depth) is refused naming the key and both lines, and a whole-number field takes only a whole number, not
 * {@code 3.5} (which Jackson would truncate) nor {@code "3"} (a string). Errors become
 * {@link InvalidInputException}s that name the key.
 */
public final class VrJson {
  /** The largest JSON or YAML document vr reads, in characters. */
  public static final int MAX_DOCUMENT_CHARS = 8 * 1024 * 1024;
  /** The deepest nesting vr reads. */
  public static final int MAX_NESTING = 200;

  private static final ObjectMapper JSON = configure(JsonMapper.builder(jsonFactory(true))).build();
  private static final ObjectMapper YAML = configure(YAMLMapper.builder(yamlFactory(true))
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)).build();
  private static final Pattern MISSING = Pattern.compile("required attributes are not set \\[([^\\]]*)\\]");

  private VrJson() {}

  /** Without duplicate detection only to find, once a duplicate was refused, where its key was first given. */
  private static final JsonFactory JSON_LOCATOR = jsonFactory(false);
  private static final YAMLFactory YAML_LOCATOR = yamlFactory(false);
  private static final Pattern COERCED = Pattern.compile("^Cannot coerce (String|Floating-point) value \\((.*)\\) to ");
  private static final Pattern DUPLICATE = Pattern.compile("^Duplicate (?:field|Object property) '");

  private static JsonFactory jsonFactory(boolean strict) {
    return JsonFactory.builder().streamReadConstraints(constraints())
        .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, strict).build();
  }

  private static YAMLFactory yamlFactory(boolean strict) {
    LoaderOptions loader = new LoaderOptions();
    loader.setAllowRecursiveKeys(false);
    loader.setCodePointLimit(MAX_DOCUMENT_CHARS);
    loader.setNestingDepthLimit(MAX_NESTING);
    return YAMLFactory.builder()
        .loaderOptions(loader)
        .streamReadConstraints(constraints())
        .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, strict)
        .build();
  }

  private static StreamReadConstraints constraints() {
    return StreamReadConstraints.builder()
        .maxDocumentLength(MAX_DOCUMENT_CHARS)
        .maxNestingDepth(MAX_NESTING)
        .maxStringLength(MAX_DOCUMENT_CHARS)
        .build();
  }

  private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B configure(B builder) {
    builder.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        // whole numbers only: no 3.5 truncated to 3, no "3" or "true" read from a string
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .withCoercionConfig(LogicalType.Integer, c -> c
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.String, CoercionAction.Fail))
        .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_ABSENT, JsonInclude.Include.ALWAYS))
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
        .enable(SerializationFeature.INDENT_OUTPUT);
    return builder;
  }

  /** The JSON mapper; share it, do not reconfigure it. */
  public static ObjectMapper json() {
    return JSON;
  }

  /** The YAML mapper; share it, do not reconfigure it. */
  public static ObjectMapper yaml() {
    return YAML;
  }

  /**
   * Reads a JSON document as a {@code type}, with vr's mapper.
   *
   * @param text a JSON document
   * @param type what to read
   * @param <T> the type
   * @return the value
   * @throws InvalidInputException if the text is malformed, too large, or breaks the type's rules
   */
  public static <T> T readJson(String text, Class<T> type) {
    return read(JSON, "JSON", text, type);
  }

  /**
   * Reads a YAML document as a {@code type}, with vr's mapper.
   *
   * @param text a YAML document
   * @param type what to read
   * @param <T> the type
   * @return the value
   * @throws InvalidInputException if the text is malformed, too large, an alias bomb, or breaks
   *     the type's rules
   */
  public static <T> T readYaml(String text, Class<T> type) {
    if (text != null && text.length() <= MAX_DOCUMENT_CHARS && text.indexOf('*') >= 0) {
      rejectAliases(text, type.getSimpleName());
    }
    return read(YAML, "YAML", text, type);
  }

  /**
   * Jackson's YAML reader does not resolve aliases (it would read {@code *x} as the text "x"), so
   * vr refuses them outright; this also makes alias bombs impossible.
   */
  private static void rejectAliases(String text, String what) {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_DOCUMENT_CHARS);
    options.setNestingDepthLimit(MAX_NESTING);
    try {
      for (Event event : new Yaml(options).parse(new StringReader(text))) {
        if (event instanceof AliasEvent alias) {
          throw new InvalidInputException("cannot read " + what + " from YAML: aliases are not supported (found *"
              + alias.getAnchor() + " at line " + (alias.getStartMark().getLine() + 1)
              + "); write the value out, which also rules out alias bombs", "", null);
        }
      }
    } catch (YAMLException e) {
      throw new InvalidInputException("cannot read " + what + " from YAML: " + e.getMessage(), "", e);
    }
  }

  /**
   * Returns its JSON text, keys snake_case and sorted where they are map keys.
   *
   * @param value any model value
   * @return its JSON text, keys snake_case and sorted where they are map keys
   */
  public static String writeJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new VrException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Returns its YAML text.
   *
   * @param value any model value
   * @return its YAML text
   */
  public static String writeYaml(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new VrException("cannot write " + value.getClass().getSimpleName() + " as YAML: " + e.getOriginalMessage(), e);
    }
  }

  private static <T> T read(ObjectMapper mapper, String format, String text, Class<T> type) {
    String what = type.getSimpleName();
    if (text == null) {
      throw new InvalidInputException("no " + format + " given for " + what, "", null);
    }
    if (text.length() > MAX_DOCUMENT_CHARS) {
      throw new InvalidInputException(format + " document for " + what + " is " + text.length()
          + " characters, over the limit of " + MAX_DOCUMENT_CHARS, "", null);
    }
    try {
      T value = mapper.readValue(text, type);
      if (value == null) {
        throw new InvalidInputException(format + " document for " + what + " is empty", "", null);
      }
      return value;
    } catch (JacksonException e) {
      if (isDuplicate(e)) {
        InvalidInputException duplicate = duplicate(mapper == YAML ? YAML_LOCATOR : JSON_LOCATOR, what, text, e);
        if (duplicate != null) {
          throw duplicate;
        }
      }
      throw translate(format, what, e);
    } catch (VrException e) {
      throw new InvalidInputException("invalid " + what + ": " + e.getMessage(), "", e);
    }
  }

  /** The parser's duplicate-key error, which the mapper may have wrapped to add the path. */
  private static boolean isDuplicate(Throwable e) {
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof StreamReadException r && r.getOriginalMessage() != null
          && DUPLICATE.matcher(r.getOriginalMessage()).find()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Jackson names only the second occurrence of a duplicate key; one more pass, without duplicate detection, finds
   * the first.
   *
   * @return the error naming the key and both lines, or null if the pass finds no duplicate
   */
  private static InvalidInputException duplicate(JsonFactory factory, String what, String text, JacksonException cause) {
    Deque<Map<String, Integer>> open = new ArrayDeque<>();
    try (JsonParser p = factory.createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT) {
          open.push(new HashMap<>());
        } else if (t == JsonToken.END_OBJECT) {
          open.pop();
        } else if (t == JsonToken.FIELD_NAME) {
          int line = p.currentTokenLocation().getLineNr();
          Integer first = open.peek().putIfAbsent(p.currentName(), line);
          if (first != null) {
            String pointer = p.getParsingContext().getParent().pathAsPointer().toString();
            String in = pointer.isEmpty() ? "" : " in " + pointer.substring(1).replace('/', '.');
            String path = pointer.isEmpty() ? p.currentName() : pointer.substring(1).replace('/', '.') + "." + p.currentName();
            return new InvalidInputException((what.equals("Object") ? "" : "invalid " + what + ": ")
                + "duplicate key '" + p.currentName() + "' at line " + line + " (first at line " + first + ")" + in
                + "; give each key once", path, cause);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  static InvalidInputException translate(String format, String what, JacksonException e) {
    String path = e instanceof JsonMappingException m ? path(m) : "";
    Matcher coerced = COERCED.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
    if (e instanceof MismatchedInputException mi && (mi.getTargetType() == boolean.class
        || mi.getTargetType() == Boolean.class) && coerced.find() && coerced.group(1).equals("String")) {
      return new InvalidInputException("invalid " + what + (path.isEmpty() ? "" : " at " + path)
          + ": must be true or false, not " + coerced.group(2) + " (a string; write it without quotes)", path, e);
    }
    if (e instanceof MismatchedInputException mi && wholeNumber(mi.getTargetType()) && coerced.find()) {
      String shown = coerced.group(1).equals("String")
          ? coerced.group(2) + " (a string; write the number without quotes)" : coerced.group(2);
      return new InvalidInputException("invalid " + what + (path.isEmpty() ? "" : " at " + path)
          + ": must be a whole number, not " + shown, path, e);
    }
    Throwable cause = e.getCause();
    while (cause != null && !(cause instanceof VrException) && cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String where = path.isEmpty() ? "" : " at " + path;
    if (cause instanceof VrException vr) {
      return new InvalidInputException("invalid " + what + where + ": " + vr.getMessage(), path, e);
    }
    if (e instanceof ValueInstantiationException || (cause instanceof IllegalStateException)) {
      String detail = cause != null ? cause.getMessage() : e.getOriginalMessage();
      Matcher m = MISSING.matcher(detail == null ? "" : detail);
      if (m.find()) {
        String keys = snake(m.group(1));
        return new InvalidInputException(what + where + " is missing required key" + (keys.contains(",") ? "s " : " ")
            + keys, path, e);
      }
      return new InvalidInputException("invalid " + what + where + ": " + detail, path, e);
    }
    String message = e.getOriginalMessage();
    return new InvalidInputException("cannot read " + what + " from " + format + where + ": " + message, path, e);
  }

  private static boolean wholeNumber(Class<?> type) {
    return type == int.class || type == Integer.class || type == long.class || type == Long.class
        || type == short.class || type == Short.class || type == byte.class || type == Byte.class
        || type == BigInteger.class || type == java.util.OptionalInt.class || type == java.util.OptionalLong.class;
  }

  private static String path(JsonMappingException e) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static String snake(String camelList) {
    StringBuilder out = new StringBuilder();
    for (String part : camelList.split(",")) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(part.trim()));
    }
    return out.toString();
  }
}
