package io.velociraptor.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Supervisor's own config parser (python3 + Debian's supervisor package) as a long-running
 * subprocess: one JSON line in, one JSON line out per program file.
 */
final class SupervisorParser implements AutoCloseable {
  static final String PYTHON = "/usr/bin/python3";
  private final ObjectMapper json = new ObjectMapper();
  private final Process process;
  private final BufferedWriter in;
  private final BufferedReader out;
  private final Path script;

  SupervisorParser() {
    try (InputStream s = SupervisorParser.class.getResourceAsStream("parse_program.py")) {
      script = Files.createTempFile("vr-parse-program-", ".py");
      Files.write(script, s.readAllBytes());
      process = new ProcessBuilder(PYTHON, script.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /** @return {"sections": {...}, "programs": [...]} or {"error": "..."} */
  JsonNode parse(String conf) {
    try {
      ObjectNode req = json.createObjectNode().put("conf", conf);
      in.write(json.writeValueAsString(req));
      in.write('\n');
      in.flush();
      String line = out.readLine();
      if (line == null) {
        throw new IllegalStateException("the supervisor parser exited");
      }
      return json.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      Files.deleteIfExists(script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
