package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.ArrayList;
import java.util.List;

/**
 * A request to reset the users of one PostgreSQL database: without {@code spec.confirm} the
 * operator only plans (counts), with it the operator purges and records before/after counts.
 *
 * <p>The printer columns keep the order declared here (the build's CrdGeneration restores it; the
 * generator alone sorts them by JSON path): phase, rows before, rows after, age.
 */
@JsonClassDescription("A request to reset the users of one PostgreSQL database. Without spec.confirm the"
    + " operator only plans: a read-only Job counts what would be deleted and the resource waits in"
    + " AwaitingConfirmation; with spec.confirm set to the database name it purges, and the status"
    + " records the row counts before and after. Change spec (e.g. spec.runId) to run again.")
@Group("datapurge.io")
@Version("v1alpha1")
@ShortNames("purge")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".spec.database.name", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Rows Before", jsonPath = ".status.totals.before", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Rows After", jsonPath = ".status.totals.after", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Job", jsonPath = ".status.jobName", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class UserDataPurge extends CustomResource<UserDataPurgeSpec, UserDataPurgeStatus>
    implements Namespaced, UnknownFields {

  @JsonIgnore private List<String> unknownFields = List.of();

  @Override
  public List<String> unknownFields() {
    return unknownFields;
  }

  @Override
  public void addUnknownField(String path) {
    List<String> more = new ArrayList<>(unknownFields);
    more.add(path);
    unknownFields = List.copyOf(more);
  }
}
