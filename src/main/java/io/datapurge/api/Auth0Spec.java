package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The Auth0 tenant whose users are deleted too, after the database purge has committed. */
@ValidationRule(
    value = "!(has(self.userIdColumn) && has(self.emailColumn))",
    message = "spec.auth0.userIdColumn and spec.auth0.emailColumn both map rows to Auth0 users: set one of them",
    reason = "FieldValueInvalid")
public class Auth0Spec {

  @Required
  @Size(max = 253)
  @Pattern("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$")
  @JsonPropertyDescription("Auth0 tenant domain, e.g. my-tenant.eu.auth0.com (host name only). The Job calls"
      + " https://DOMAIN/api/v2/ and must be allowed to reach it.")
  private String domain;

  @Size(min = 1, max = 128)
  @JsonPropertyDescription("Only delete users of this connection, e.g. Username-Password-Authentication."
      + " Absent: every user of the tenant.")
  private String connection;

  @Size(min = 1, max = 63)
  @JsonPropertyDescription("With spec.where: the column of the first table in spec.tables holding each row's Auth0"
      + " user_id; only the Auth0 users of the purged rows are deleted (their ids are kept in the run ledger until"
      + " Auth0 has deleted them).")
  private String userIdColumn;

  @Size(min = 1, max = 63)
  @JsonPropertyDescription("As userIdColumn, mapping rows to Auth0 users by the email address in this column.")
  private String emailColumn;

  @Required
  @JsonPropertyDescription("Secret with the client id and secret of a machine-to-machine application authorized"
      + " for the Auth0 Management API with read:users and delete:users (plus read:connections with a connection on"
      + " a large tenant, listed by the users-export job); passed to the Job as AUTH0_CLIENT_ID and"
      + " AUTH0_CLIENT_SECRET.")
  private Auth0CredentialsSecret credentialsSecret;

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

  public String getUserIdColumn() {
    return userIdColumn;
  }

  public void setUserIdColumn(String userIdColumn) {
    this.userIdColumn = userIdColumn;
  }

  public String getEmailColumn() {
    return emailColumn;
  }

  public void setEmailColumn(String emailColumn) {
    this.emailColumn = emailColumn;
  }

  public Auth0CredentialsSecret getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(Auth0CredentialsSecret credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }
}
