package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One seed file: a key of a ConfigMap in the resource's namespace, mounted into the purge Job as a
 * file (the operator itself never reads the ConfigMap).
 */
public class SeedSource {

  @Required
  @Size(max = 253)
  @Pattern(UserDataPurgeSpec.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of a ConfigMap in the resource's namespace holding the seed SQL.")
  private String configMap;

  @Required
  @Size(min = 1, max = 253)
  @Pattern(UserDataPurgeSpec.SECRET_KEY)
  @JsonPropertyDescription("Key of the SQL in the ConfigMap: plain SQL or pg_dump --data-only output (INSERTs or"
      + " COPY ... FROM stdin).")
  private String key;

  public SeedSource() {}

  public SeedSource(String configMap, String key) {
    this.configMap = configMap;
    this.key = key;
  }

  public String getConfigMap() {
    return configMap;
  }

  public void setConfigMap(String configMap) {
    this.configMap = configMap;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
