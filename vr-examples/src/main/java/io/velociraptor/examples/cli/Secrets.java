package io.velociraptor.examples.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.velociraptor.core.VrException;
import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.Env;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the {@code vr} tool prints of env values: by default each value is replaced by
 * {@code <redacted, N bytes>} wherever an {@link Env} appears (a swarm's env, its config
 * ingredients' env, a release's merged env, a build's config vars), in JSON and in YAML alike;
 * {@code --show-secrets} prints them as stored. Names stay visible: they are config, not secret.
 */
public final class Secrets {
  private static final ObjectMapper JSON = VrJson.json().copy().registerModule(redactingEnv());
  private static final ObjectMapper YAML = VrJson.yaml().copy().registerModule(redactingEnv());

  private Secrets() {}

  /** @return what is printed instead of an env value */
  static String redacted(String value) {
    return "<redacted, " + value.getBytes(StandardCharsets.UTF_8).length + " bytes>";
  }

  /**
   * @param value any model value
   * @param reveal whether env values are printed as they are
   * @return its JSON text
   */
  public static String json(Object value, boolean reveal) {
    return reveal ? VrJson.writeJson(value) : write(JSON, "JSON", value);
  }

  /**
   * @param value any model value
   * @param reveal whether env values are printed as they are
   * @return its YAML text
   */
  static String yaml(Object value, boolean reveal) {
    return reveal ? VrJson.writeYaml(value) : write(YAML, "YAML", value);
  }

  private static String write(ObjectMapper mapper, String format, Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new VrException("cannot write " + value.getClass().getSimpleName() + " as " + format + ": "
          + e.getOriginalMessage(), e);
    }
  }

  private static SimpleModule redactingEnv() {
    SimpleModule m = new SimpleModule("vr-redact-env");
    // a module's serializer takes precedence over Env's @JsonValue
    m.addSerializer(Env.class, new StdSerializer<>(Env.class) {
      @Override
      public void serialize(Env env, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeStartObject();
        for (Map.Entry<String, String> e : env.asMap().entrySet()) {
          gen.writeStringField(e.getKey(), redacted(e.getValue()));
        }
        gen.writeEndObject();
      }
    });
    return m;
  }
}
