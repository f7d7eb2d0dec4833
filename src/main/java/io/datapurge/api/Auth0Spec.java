package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The Auth0 tenant whose users are deleted too, after the database purge has committed. */
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

  @Required
  @JsonPropertyDescription("Secret with the client id and secret of a machine-to-machine application authorized"
      + " for the Auth0 Management API with read:users and delete:users; passed to the Job as AUTH0_CLIENT_ID and"
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

  public Auth0CredentialsSecret getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(Auth0CredentialsSecret credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }
}
