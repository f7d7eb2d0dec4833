package io.datapurge.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A request to reset the users of one PostgreSQL database: without {@code spec.confirm} the
 * operator only plans (counts), with it the operator purges and records before/after counts.
 *
 * <p>The generator sorts printer columns by JSON path; the bracketed paths (equivalent JSONPath)
 * keep the columns in the order a reader wants: phase, rows before, rows after, age.
 */
@Group("datapurge.io")
@Version("v1alpha1")
@ShortNames("purge")
@AdditionalPrinterColumn(name = "Phase", jsonPath = "..status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Database", jsonPath = ".spec.database.name", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Rows Before", jsonPath = "..status.totals.before", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Rows After", jsonPath = "..totals.after", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Job", jsonPath = ".status.jobName", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class UserDataPurge extends CustomResource<UserDataPurgeSpec, UserDataPurgeStatus>
    implements Namespaced {}
