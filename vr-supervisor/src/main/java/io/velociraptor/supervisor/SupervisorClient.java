package io.velociraptor.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientConfigImpl;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A typed client of one supervisord's XML-RPC interface. Thread-safe and reusable: make one per
 * host and share it. Every call has the endpoint's connect and read timeouts; {@link
 * #withReadTimeout(Duration)} gives a view with a longer one for calls that wait. Faults become
 * {@link SupervisorException}s with the {@link SupervisorFault} and the name they concerned.
 *
 * <p>Apache XML-RPC runs with extensions and server-side exceptions off, so a {@code faultCause}
 * a server sends is never deserialized, and replies with a DOCTYPE are refused.
 */
public final class SupervisorClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisorClient.class);

  private final SupervisorEndpoint endpoint;
  private final HttpConnections connections;
  private final XmlRpcClient xmlrpc;
  private final Duration readTimeout;
  private final boolean owner;
  private final SupervisorClient root;
  private final java.util.concurrent.ConcurrentMap<Duration, SupervisorClient> views;

  private SupervisorClient(SupervisorEndpoint endpoint, HttpConnections connections, Duration readTimeout,
      SupervisorClient root) {
    this.endpoint = endpoint;
    this.connections = connections;
    this.readTimeout = readTimeout;
    this.owner = root == null;
    this.root = root == null ? this : root;
    this.views = owner ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    XmlRpcClientConfigImpl config = new XmlRpcClientConfigImpl();
    config.setServerURL(toUrl(endpoint));
    config.setEnabledForExtensions(false);
    config.setEnabledForExceptions(false);
    config.setContentLengthOptional(false);
    config.setEncoding("UTF-8");
    endpoint.username().ifPresent(config::setBasicUserName);
    endpoint.password().ifPresent(config::setBasicPassword);
    config.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, endpoint.connectTimeout().toMillis()));
    config.setReplyTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
    XmlRpcClient c = new XmlRpcClient();
    c.setConfig(config);
    c.setTransportFactory(new XmlRpcTransports(c, connections, endpoint, readTimeout));
    this.xmlrpc = c;
  }

  /**
   * Returns a client; close it to close its connections.
   *
   * @param endpoint where the supervisord listens and how to log in
   * @return a client; close it to close its connections
   */
  public static SupervisorClient of(SupervisorEndpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    return new SupervisorClient(endpoint, new HttpConnections(endpoint), endpoint.readTimeout(), null);
  }

  /**
   * Returns a view of this client (same connections) whose calls allow that long.
   *
   * @param readTimeout the time allowed for a whole reply
   * @return a view of this client (same connections) whose calls allow that long
   */
  public SupervisorClient withReadTimeout(Duration readTimeout) {
    Objects.requireNonNull(readTimeout, "readTimeout");
    if (readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("read timeout must be positive: " + readTimeout);
    }
    if (readTimeout.equals(this.readTimeout)) {
      return this;
    }
    return root.views.computeIfAbsent(readTimeout, t -> new SupervisorClient(endpoint, connections, t, root));
  }

  /** The endpoint this client talks to. */
  public SupervisorEndpoint endpoint() {
    return endpoint;
  }

  /** The read timeout of this client's calls. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /**
   * Returns the API version ({@code "3.0"} for Supervisor 3 and 4).
   *
   * @return the API version ({@code "3.0"} for Supervisor 3 and 4)
   * @throws SupervisorException if the call fails
   */
  public String getAPIVersion() {
    return Replies.string(endpoint, "supervisor.getAPIVersion", call("supervisor.getAPIVersion", null));
  }

  /**
   * Returns supervisord's own state.
   *
   * @return supervisord's own state
   * @throws SupervisorException if the call fails
   */
  public SupervisorState getState() {
    String method = "supervisor.getState";
    Map<?, ?> m = Replies.map(endpoint, method, call(method, null));
    return new SupervisorState(Replies.intField(endpoint, method, m, "statecode"),
        Replies.stringField(endpoint, method, m, "statename"));
  }

  /**
   * Returns every process, sorted by namespec.
   *
   * @return every process, sorted by namespec
   * @throws SupervisorException if the call fails
   */
  public List<ProcessInfo> getAllProcessInfo() {
    String method = "supervisor.getAllProcessInfo";
    Object[] all = Replies.array(endpoint, method, call(method, null));
    List<ProcessInfo> out = new ArrayList<>(all.length);
    for (Object o : all) {
      out.add(processInfo(method, Replies.map(endpoint, method, o)));
    }
    out.sort(Comparator.comparing(ProcessInfo::namespec));
    return List.copyOf(out);
  }

  /**
   * Supervisor's {@code getProcessInfo}: the state of one process.
   *
   * @param name a process name ({@code name} or {@code group:name})
   * @return its info
   * @throws SupervisorException {@link SupervisorFault#BAD_NAME} if there is no such process
   */
  public ProcessInfo getProcessInfo(String name) {
    String method = "supervisor.getProcessInfo";
    return processInfo(method, Replies.map(endpoint, method, call(method, name, name)));
  }

  /**
   * Starts a process.
   *
   * @param name the process
   * @param wait whether to wait until it is RUNNING (startsecs passed); give the view a read
   *     timeout longer than the program's startsecs
   * @return true when started
   * @throws SupervisorException ALREADY_STARTED, BAD_NAME, SPAWN_ERROR, ABNORMAL_TERMINATION...
   */
  public boolean startProcess(String name, boolean wait) {
    String method = "supervisor.startProcess";
    return Replies.bool(endpoint, method, call(method, name, name, wait));
  }

  /**
   * Stops a process: the stop signal, then SIGKILL after its stopwaitsecs.
   *
   * @param name the process
   * @param wait whether to wait until it has stopped; give the view a read timeout longer than
   *     the program's stopwaitsecs
   * @return true when stopped
   * @throws SupervisorException NOT_RUNNING, BAD_NAME, FAILED...
   */
  public boolean stopProcess(String name, boolean wait) {
    String method = "supervisor.stopProcess";
    return Replies.bool(endpoint, method, call(method, name, name, wait));
  }

  /**
   * Supervisor's {@code signalProcess}: sends a signal to a running process.
   *
   * @param name the process
   * @param signal a signal name ({@code HUP}, {@code USR1}) or number
   * @return true when sent
   * @throws SupervisorException BAD_SIGNAL, NOT_RUNNING, BAD_NAME
   */
  public boolean signalProcess(String name, String signal) {
    String method = "supervisor.signalProcess";
    return Replies.bool(endpoint, method, call(method, name, name, signal));
  }

  /**
   * Re-reads the configuration files and reports the differences; changes nothing that runs.
   *
   * @return what was added, changed and removed
   * @throws SupervisorException CANT_REREAD with the parse error when a file is broken
   */
  public ConfigChanges reloadConfig() {
    String method = "supervisor.reloadConfig";
    return Replies.configChanges(endpoint, method, call(method, null));
  }

  /**
   * Supervisor's {@code addProcessGroup}: activates a group from the configuration (and starts it
   * if autostart).
   *
   * @param name a group in the configuration (after {@link #reloadConfig()})
   * @return true when added (and started if autostart)
   * @throws SupervisorException ALREADY_ADDED, BAD_NAME
   */
  public boolean addProcessGroup(String name) {
    String method = "supervisor.addProcessGroup";
    return Replies.bool(endpoint, method, call(method, name, name));
  }

  /**
   * Supervisor's {@code removeProcessGroup}: deactivates a stopped group.
   *
   * @param name an active group whose processes are all stopped
   * @return true when removed
   * @throws SupervisorException STILL_RUNNING, BAD_NAME
   */
  public boolean removeProcessGroup(String name) {
    String method = "supervisor.removeProcessGroup";
    return Replies.bool(endpoint, method, call(method, name, name));
  }

  /**
   * Supervisor's {@code readProcessStdoutLog}: part of a process's stdout log.
   *
   * @param name the process
   * @param offset where to start reading; negative counts from the end
   * @param length how many bytes to read; 0 reads to the end
   * @return the text read
   * @throws SupervisorException NO_FILE, BAD_NAME, BAD_ARGUMENTS
   */
  public String readProcessStdoutLog(String name, int offset, int length) {
    String method = "supervisor.readProcessStdoutLog";
    return Replies.string(endpoint, method, call(method, name, name, offset, length));
  }

  /**
   * Supervisor's {@code tailProcessStdoutLog}: the end of a process's stdout log, with the offset
   * to tail on from.
   *
   * @param name the process
   * @param offset the offset a previous tail returned, or 0
   * @param length at most this many bytes from the end
   * @return the tail
   * @throws SupervisorException NO_FILE, BAD_NAME, BAD_ARGUMENTS
   */
  public LogTail tailProcessStdoutLog(String name, int offset, int length) {
    String method = "supervisor.tailProcessStdoutLog";
    Object[] r = Replies.array(endpoint, method, call(method, name, name, offset, length));
    if (r.length != 3) {
      throw Replies.shape(endpoint, method, "a [text, offset, overflow] triple", Arrays.toString(r));
    }
    return new LogTail(Replies.string(endpoint, method, r[0]), Replies.number(endpoint, method, r[1]),
        Replies.bool(endpoint, method, r[2]));
  }

  /**
   * Supervisor's {@code clearProcessLogs}: truncates a process's logs.
   *
   * @param name the process
   * @return true when its logs were truncated
   * @throws SupervisorException BAD_NAME, FAILED
   */
  public boolean clearProcessLogs(String name) {
    String method = "supervisor.clearProcessLogs";
    return Replies.bool(endpoint, method, call(method, name, name));
  }

  /**
   * Runs several calls in one round trip ({@code system.multicall}), in order; supervisord
   * finishes each (including waits) before the next.
   *
   * @param calls the calls
   * @return per call, its value or the {@link SupervisorException} its fault became
   * @throws SupervisorException if the multicall itself fails
   */
  List<Object> multicall(List<Call> calls) {
    List<Map<String, Object>> wire = new ArrayList<>();
    for (Call c : calls) {
      Map<String, Object> m = new HashMap<>();
      m.put("methodName", c.method());
      m.put("params", c.params());
      wire.add(m);
    }
    String method = "system.multicall";
    Object[] results = Replies.array(endpoint, method, call(method, null, (Object) wire.toArray()));
    if (results.length != calls.size()) {
      throw Replies.shape(endpoint, method, calls.size() + " results", results.length + " results");
    }
    List<Object> out = new ArrayList<>(results.length);
    for (int i = 0; i < results.length; i++) {
      Object r = results[i];
      if (r instanceof Map && ((Map<?, ?>) r).containsKey("faultCode")) {
        Map<?, ?> f = (Map<?, ?>) r;
        out.add(SupervisorException.fault(endpoint.label(), calls.get(i).method(), calls.get(i).subject(),
            Replies.intField(endpoint, method, f, "faultCode"), String.valueOf(f.get("faultString"))));
      } else {
        out.add(r);
      }
    }
    return out;
  }

  /** One call of a multicall. */
  record Call(String method, String subject, Object[] params) {
    static Call of(String method, String subject, Object... params) {
      return new Call(method, subject, params);
    }
  }

  ProcessInfo processInfo(String method, Map<?, ?> m) {
    long start = Replies.number(endpoint, method, m.get("start"));
    long stop = Replies.number(endpoint, method, m.get("stop"));
    long pid = Replies.number(endpoint, method, m.get("pid"));
    String spawnErr = Replies.stringField(endpoint, method, m, "spawnerr");
    String stdout = Replies.stringField(endpoint, method, m, "stdout_logfile");
    String stderr = Replies.stringField(endpoint, method, m, "stderr_logfile");
    return new ProcessInfo(
        Replies.stringField(endpoint, method, m, "name"),
        Replies.stringField(endpoint, method, m, "group"),
        Optional.ofNullable(m.get("description")).map(String::valueOf).orElse(""),
        ProcessInfo.stateOf(Replies.intField(endpoint, method, m, "state")),
        start == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(start)),
        stop == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(stop)),
        Instant.ofEpochSecond(Replies.number(endpoint, method, m.get("now"))),
        pid == 0 ? OptionalLong.empty() : OptionalLong.of(pid),
        Replies.intField(endpoint, method, m, "exitstatus"),
        spawnErr.isEmpty() ? Optional.empty() : Optional.of(spawnErr),
        stdout.isEmpty() ? Optional.empty() : Optional.of(stdout),
        stderr.isEmpty() ? Optional.empty() : Optional.of(stderr));
  }

  private Object call(String method, String subject, Object... params) {
    LOG.debug("calling {} on supervisor {}", method, endpoint.label());
    try {
      return xmlrpc.execute(method, params);
    } catch (XmlRpcException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof XmlRpcTransports.Failure) {
          SupervisorException f = ((XmlRpcTransports.Failure) t).failure;
          throw SupervisorException.of(f.kind(), f.host(), method,
              f.getMessage() + " (calling " + method + ")", f.getCause());
        }
        if (t instanceof SupervisorException) {
          throw (SupervisorException) t;
        }
      }
      if (e instanceof XmlRpcClientException || e.code == 0) {
        throw SupervisorException.of(SupervisorException.Kind.PROTOCOL, endpoint.label(), method,
            "supervisor on " + endpoint.label() + " sent a reply to " + method + " that is not valid XML-RPC: "
                + e.getMessage(), e);
      }
      throw SupervisorException.fault(endpoint.label(), method, subject, e.code, String.valueOf(e.getMessage()));
    }
  }

  private static java.net.URL toUrl(SupervisorEndpoint endpoint) {
    try {
      return endpoint.uri().toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException("bad supervisor URL for " + endpoint.label(), e);
    }
  }

  /** Closes this client's idle connections. Views made by {@link #withReadTimeout} share them. */
  @Override
  public void close() {
    if (owner) {
      connections.close();
    }
  }

  /** The endpoint's label, for messages. */
  @Override
  public String toString() {
    return "SupervisorClient{" + endpoint.label() + "}";
  }
}
