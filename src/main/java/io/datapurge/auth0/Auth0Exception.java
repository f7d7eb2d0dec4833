package io.datapurge.auth0;

/** The Auth0 Management API could not do what was asked; the message names the problem and the fix. */
public class Auth0Exception extends RuntimeException {
  private final int status;

  public Auth0Exception(String message, int status) {
    super(message);
    this.status = status;
  }

  public Auth0Exception(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** The HTTP status that ended the call, or 0 when no response came. */
  public int status() {
    return status;
  }
}
