package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The Auth0 side of the run: users before and after, beside the database tables. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Auth0Status {

  @JsonPropertyDescription("The Auth0 tenant domain.")
  private String domain;

  @JsonPropertyDescription("The connection the users were limited to, when spec.auth0.connection is set.")
  private String connection;

  @JsonPropertyDescription("Users in the tenant (or connection) before the run.")
  private Long before;

  @JsonPropertyDescription("Users this run deleted (users already gone when their delete arrived are not counted).")
  private Long deleted;

  @JsonPropertyDescription("Users left after the run; 0 when the Auth0 side completed. Equals before for a plan or"
      + " dry run, or when the database purge failed.")
  private Long after;

  @JsonPropertyDescription("Why the Auth0 side stopped early, when it did.")
  private String message;

  public String getDomain() {
    return domain;
  }

  public void setDomain(String domain) {
    this.domain = domain;
  }

  public String getConnection() {
    return connection;
  }

  public void setConnection(String connection) {
    this.connection = connection;
  }

  public Long getBefore() {
    return before;
  }

  public void setBefore(Long before) {
    this.before = before;
  }

  public Long getDeleted() {
    return deleted;
  }

  public void setDeleted(Long deleted) {
    this.deleted = deleted;
  }

  public Long getAfter() {
    return after;
  }

  public void setAfter(Long after) {
    this.after = after;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
