package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** The UserDataPurge each tick creates. */
public class PurgeTemplate {

  @Required
  @JsonPropertyDescription("The spec of every UserDataPurge the schedule creates. With confirm set to the database"
      + " name each run purges; without it each run stops at AwaitingConfirmation: a scheduled plan.")
  private UserDataPurgeSpec spec;

  public UserDataPurgeSpec getSpec() {
    return spec;
  }

  public void setSpec(UserDataPurgeSpec spec) {
    this.spec = spec;
  }
}
