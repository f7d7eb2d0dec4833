package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The PostgreSQL database to purge. */
public class DatabaseSpec {

  @Required
  @Size(max = 253)
  @Pattern("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
  @JsonPropertyDescription("Host name or IPv4 address of the PostgreSQL server, e.g. postgres.staging.svc.")
  private String host;

  @Default("5432")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("TCP port of the PostgreSQL server.")
  private Integer port = 5432;

  @Required
  @Pattern(UserDataPurgeSpec.DATABASE_NAME)
  @JsonPropertyDescription("Database name; spec.confirm must repeat it for the purge to run.")
  private String name;

  @Default("require")
  @JsonPropertyDescription("TLS mode (libpq sslmode): disable, allow, prefer, require, verify-ca or verify-full."
      + " verify-ca and verify-full need the server's CA: set caSecret.")
  private SslMode sslMode = SslMode.REQUIRE;

  @Required
  @JsonPropertyDescription("Secret with the database user and password, passed to the Job as PGUSER and PGPASSWORD.")
  private CredentialsSecret credentialsSecret;

  @JsonPropertyDescription("Secret key with the CA certificate that signed the server's certificate, mounted"
      + " read-only into the purge pod and used as sslrootcert (for verify-ca and verify-full).")
  private CaSecret caSecret;

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public SslMode getSslMode() {
    return sslMode;
  }

  public void setSslMode(SslMode sslMode) {
    this.sslMode = sslMode;
  }

  public CredentialsSecret getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(CredentialsSecret credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public CaSecret getCaSecret() {
    return caSecret;
  }

  public void setCaSecret(CaSecret caSecret) {
    this.caSecret = caSecret;
  }
}
