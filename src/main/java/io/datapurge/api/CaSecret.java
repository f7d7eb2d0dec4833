package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A Secret key holding the PEM certificate(s) of the CA that signed the PostgreSQL server's
 * certificate; mounted read-only into the purge pod and used as sslrootcert. A Secret (not a
 * ConfigMap) because cert-manager and most database operators publish the CA as a Secret key.
 */
public class CaSecret {

  @Required
  @Size(max = 253)
  @Pattern(UserDataPurgeSpec.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of a Secret in the resource's namespace holding the server's CA certificate.")
  private String name;

  @Default("ca.crt")
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the PEM CA certificate in the Secret (cert-manager's ca.crt by default).")
  private String key = "ca.crt";

  public CaSecret() {}

  public CaSecret(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
