package io.velociraptor.supervisor;

import io.velociraptor.core.VrException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A call to a Supervisor failed. {@link #kind()} says how: a fault Supervisor returned (with
 * {@link #fault()} and the name it concerned), a refused login, an unreachable host, a reply that
 * did not come in time, or a reply that was not XML-RPC. Messages name the host and the method,
 * never a password.
 */
public final class SupervisorException extends VrException {
  private static final long serialVersionUID = 1L;

  /** How a call failed. */
  public enum Kind {
    /** Supervisor answered with an XML-RPC fault. */
    FAULT,
    /** Supervisor refused the credentials (HTTP 401). */
    AUTHENTICATION,
    /** The connection could not be made or broke. */
    UNREACHABLE,
    /** Connecting or the reply took longer than the timeout. */
    TIMEOUT,
    /** The reply was not a well-formed XML-RPC answer of the expected shape. */
    PROTOCOL
  }

  /** The kind (structured field of the message). */
  private final Kind kind;
  /** The host (structured field of the message). */
  private final String host;
  /** The method (structured field of the message). */
  private final String method;
  private final transient Optional<SupervisorFault> fault;
  /** The fault code (structured field of the message). */
  private final int faultCode;
  /** The fault string (structured field of the message). */
  private final String faultString;
  /** The subject (structured field of the message). */
  private final String subject;

  private SupervisorException(
      Kind kind, String host, String method, SupervisorFault fault, int faultCode, String faultString,
      String subject, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.host = host;
    this.method = method;
    this.fault = Optional.ofNullable(fault);
    this.faultCode = faultCode;
    this.faultString = faultString;
    this.subject = subject;
  }

  static SupervisorException fault(String host, String method, String subject, int code, String text) {
    SupervisorFault fault = SupervisorFault.ofCode(code).orElse(null);
    String label = fault == null ? "fault " + code : fault.name() + " (" + code + ")";
    String about = subject == null ? "" : " for '" + subject + "'";
    return new SupervisorException(Kind.FAULT, host, method, fault, code, text, subject,
        "supervisor on " + host + " answered " + method + about + " with " + label + ": " + text, null);
  }

  static SupervisorException authentication(String host, String user) {
    return new SupervisorException(Kind.AUTHENTICATION, host, null, null, 0, null, null,
        "supervisor on " + host + " refused the credentials of user '" + user
            + "' (HTTP 401): check the username and password of its [inet_http_server]", null);
  }

  static SupervisorException of(Kind kind, String host, String method, String message, Throwable cause) {
    return new SupervisorException(kind, host, method, null, 0, null, null, message, cause);
  }

  /** How the call failed. */
  public Kind kind() {
    return kind;
  }

  /** The host (and port) the call went to. */
  public String host() {
    return host;
  }

  /** The XML-RPC method, or empty when the failure was not tied to one. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** The fault, for {@link Kind#FAULT} with a code Supervisor defines. */
  public Optional<SupervisorFault> fault() {
    return fault == null ? Optional.empty() : fault;
  }

  /** The raw fault code, for {@link Kind#FAULT}. */
  public OptionalInt faultCode() {
    return kind == Kind.FAULT ? OptionalInt.of(faultCode) : OptionalInt.empty();
  }

  /** Returns Supervisor's fault string, for {@link Kind#FAULT}. */
  public Optional<String> faultString() {
    return Optional.ofNullable(faultString);
  }

  /** The process or group name the call concerned, if it concerned one. */
  public Optional<String> subject() {
    return Optional.ofNullable(subject);
  }

  /**
   * Returns whether this is that fault.
   *
   * @param wanted a fault
   * @return whether this is that fault
   */
  public boolean is(SupervisorFault wanted) {
    return fault().filter(f -> f == wanted).isPresent();
  }
}
