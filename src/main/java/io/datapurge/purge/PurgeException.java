package io.datapurge.purge;

/** A failure with a reason the user can act on; the message names the problem and the fix. */
public class PurgeException extends RuntimeException {
  private final FailureReason reason;

  public PurgeException(FailureReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public PurgeException(FailureReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public FailureReason reason() {
    return reason;
  }
}
