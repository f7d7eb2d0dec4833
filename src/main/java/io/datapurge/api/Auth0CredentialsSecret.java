package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where the Job finds the Auth0 Management API client credentials; the operator never reads it. */
public class Auth0CredentialsSecret {

  @Required
  @Size(max = 253)
  @Pattern(UserDataPurgeSpec.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of a Secret in the resource's namespace holding the client id and secret.")
  private String name;

  @Default("client_id")
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the client id in the Secret.")
  private String clientIdKey = "client_id";

  @Default("client_secret")
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the client secret in the Secret.")
  private String clientSecretKey = "client_secret";

  public Auth0CredentialsSecret() {}

  public Auth0CredentialsSecret(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getClientIdKey() {
    return clientIdKey;
  }

  public void setClientIdKey(String clientIdKey) {
    this.clientIdKey = clientIdKey;
  }

  public String getClientSecretKey() {
    return clientSecretKey;
  }

  public void setClientSecretKey(String clientSecretKey) {
    this.clientSecretKey = clientSecretKey;
  }
}
