package io.velociraptor.lxc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private supervisord (inet_http_server on a free 127.0.0.1 port) with one program, driven
 * over raw XML-RPC. Kept tiny on purpose: the supervisor module owns the real client; this only
 * lets the runner's program-level test run under a real supervisord.
 */
final class PrivateSupervisord implements AutoCloseable {
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private PrivateSupervisord(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static PrivateSupervisord start(Path dir, String program, List<String> command) throws IOException {
    int port = Fixtures.freePort();
    Files.createDirectories(dir);
    String conf = "[supervisord]\nnodaemon=true\nlogfile=" + dir.resolve("supervisord.log")
        + "\npidfile=" + dir.resolve("supervisord.pid") + "\nchildlogdir=" + dir + "\n"
        + "[inet_http_server]\nport=127.0.0.1:" + port + "\nusername=vr\npassword=test\n"
        + "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        + "[program:" + program + "]\ncommand=" + String.join(" ", command)
        + "\nautostart=true\nautorestart=false\nstartsecs=1\nstopwaitsecs=10\n"
        + "stopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n"
        + "stdout_logfile=" + dir.resolve("program.log") + "\n";
    Path file = dir.resolve("supervisord.conf");
    Files.writeString(file, conf);
    Process p = new ProcessBuilder("supervisord", "-n", "-c", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("supervisord.out").toFile()).start();
    PrivateSupervisord s = new PrivateSupervisord(p, port);
    try {
      Await.until("supervisord to answer XML-RPC", Duration.ofSeconds(20),
          () -> s.tryCall("supervisor.getState", "").contains("RUNNING"));
    } catch (AssertionError e) {
      s.close();
      throw e;
    }
    return s;
  }

  String stateOf(String program) {
    String r = call("supervisor.getProcessInfo", "<param><value><string>" + program + "</string></value></param>");
    int i = r.indexOf("<name>statename</name>");
    return i < 0 ? r : r.substring(i).replaceAll("(?s).*?<string>([A-Z]+)</string>.*", "$1");
  }

  String stopProcess(String program) {
    return call("supervisor.stopProcess", "<param><value><string>" + program
        + "</string></value></param><param><value><boolean>1</boolean></value></param>");
  }

  String startProcess(String program) {
    return call("supervisor.startProcess", "<param><value><string>" + program
        + "</string></value></param><param><value><boolean>1</boolean></value></param>");
  }

  private String tryCall(String method, String params) {
    try {
      return call(method, params);
    } catch (RuntimeException e) {
      return "";
    }
  }

  private String call(String method, String params) {
    String body = "<?xml version=\"1.0\"?><methodCall><methodName>" + method
        + "</methodName><params>" + params + "</params></methodCall>";
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/RPC2"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "text/xml")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("vr:test".getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new IllegalStateException("XML-RPC " + method + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
