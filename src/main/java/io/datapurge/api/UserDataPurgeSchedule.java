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
 * Creates one {@link UserDataPurge} per tick of a cron schedule, as a CronJob creates Jobs. The
 * printer columns keep the declared order (CrdGeneration); NEXT is a string column: kubectl prints
 * a future date column as {@code <invalid>}.
 */
@JsonClassDescription("Resets a database on a rhythm: at every tick of spec.schedule (in spec.timeZone) the"
    + " operator creates one UserDataPurge from spec.template, named <schedule>-<tick in minutes since the epoch>,"
    + " owned by the schedule and labelled datapurge.io/schedule=<name>. Missed ticks are caught up at most once;"
    + " finished runs beyond the history limits are deleted with their Jobs.")
@Group("datapurge.io")
@Version("v1alpha1")
@ShortNames("purgeschedule")
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = Type.STRING)
@AdditionalPrinterColumn(name = "Time Zone", jsonPath = ".spec.timeZone", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Suspend", jsonPath = ".spec.suspend", type = Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Last Run", jsonPath = ".status.lastRun.name", type = Type.STRING)
@AdditionalPrinterColumn(name = "Last Phase", jsonPath = ".status.lastRun.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextScheduleTime", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class UserDataPurgeSchedule extends CustomResource<UserDataPurgeScheduleSpec, UserDataPurgeScheduleStatus>
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
