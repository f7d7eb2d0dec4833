package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where the Job finds the database user and password; the operator itself never reads it. */
public class CredentialsSecret {

  @Required
  @Size(max = 253)
  @Pattern(UserDataPurgeSpec.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of a Secret in the resource's namespace holding the database user and password.")
  private String name;

  @Default("username")
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the user name in the Secret.")
  private String usernameKey = "username";

  @Default("password")
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the password in the Secret.")
  private String passwordKey = "password";

  public CredentialsSecret() {}

  public CredentialsSecret(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getUsernameKey() {
    return usernameKey;
  }

  public void setUsernameKey(String usernameKey) {
    this.usernameKey = usernameKey;
  }

  public String getPasswordKey() {
    return passwordKey;
  }

  public void setPasswordKey(String passwordKey) {
    this.passwordKey = passwordKey;
  }
}
