package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** How the run had the foreign keys between purged tables checked (spec.foreignKeyChecks). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyChecksStatus {

  @JsonPropertyDescription("batch or per-row, as spec.foreignKeyChecks asked.")
  private String mode;

  @JsonPropertyDescription("Keys dropped before the deletes and re-added after them: checked once.")
  private Integer batch;

  @JsonPropertyDescription("Keys that stayed in place: checked for every deleted row.")
  private Integer perRow;

  @JsonPropertyDescription("In batch mode, the keys that stayed in place and why (at most three named).")
  private List<String> why;

  public String getMode() {
    return mode;
  }

  public void setMode(String mode) {
    this.mode = mode;
  }

  public Integer getBatch() {
    return batch;
  }

  public void setBatch(Integer batch) {
    this.batch = batch;
  }

  public Integer getPerRow() {
    return perRow;
  }

  public void setPerRow(Integer perRow) {
    this.perRow = perRow;
  }

  public List<String> getWhy() {
    return why;
  }

  public void setWhy(List<String> why) {
    this.why = why;
  }
}
