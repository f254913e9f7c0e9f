package io.velociraptor.examples.server;

/** An HTTP error the server itself decides (401, 403, a bad body): status, message and hint. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String hint;

  ApiException(int status, String message, String hint) {
    super(message);
    this.status = status;
    this.hint = hint;
  }

  int status() {
    return status;
  }

  String hint() {
    return hint;
  }
}
