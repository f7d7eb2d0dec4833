package io.datapurge.purge;

import java.util.ArrayList;
import java.util.List;

/** The counts as a table people read on a terminal or in the Job's log. */
public final class PurgeReport {
  private PurgeReport() {}

  private static String text(Long n) {
    return n == null ? "" : Long.toString(n);
  }

  public static String render(PurgePlan plan, PurgeResult result) {
    StringBuilder out = new StringBuilder();
    out.append("database ").append(result.database()).append(", strategy ").append(result.strategy())
        .append(Boolean.TRUE.equals(result.dryRun()) ? ", dry run (nothing deleted)" : "");
    if (result.runId() != null) out.append(", run ").append(result.runId());
    out.append('\n');
    if (result.tables() != null) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"TABLE", "ROLE", "BEFORE", "DELETED", "AFTER", "METHOD", "WHY"});
      for (int i = 0; i < result.tables().size(); i++) {
        PurgeResult.TableCount c = result.tables().get(i);
        String why = plan != null && i < plan.entries().size() ? plan.entries().get(i).why() : "";
        rows.add(new String[] {c.table(), c.role(), Long.toString(c.before()), text(c.deleted()),
            Long.toString(c.after()), c.method() == null ? "" : c.method(), why});
      }
      if (result.totals() != null) {
        rows.add(new String[] {"total (purged tables)", "", Long.toString(result.totals().before()),
            text(result.totals().deleted()), Long.toString(result.totals().after()), "", ""});
      }
      int[] width = new int[7];
      for (String[] r : rows) for (int i = 0; i < 7; i++) width[i] = Math.max(width[i], r[i].length());
      for (String[] r : rows) {
        out.append(String.format("%-" + width[0] + "s  %-" + width[1] + "s  %" + width[2] + "s  %" + width[3]
            + "s  %" + width[4] + "s  %-" + width[5] + "s  %s", (Object[]) r).stripTrailing()).append('\n');
      }
    }
    if (result.auth0() != null) {
      PurgeResult.Auth0 a = result.auth0();
      out.append("auth0 ").append(a.domain()).append(a.connection() == null ? "" : " connection " + a.connection())
          .append(": users before ").append(a.before()).append(", deleted ").append(a.deleted())
          .append(a.alreadyDeleted() == null || a.alreadyDeleted() == 0 ? "" : " (+" + a.alreadyDeleted() + " already gone)")
          .append(", after ").append(a.after() == null ? "unknown" : a.after()).append('\n');
    }
    if (result.error() != null) {
      out.append("FAILED ").append(result.error().reason()).append(": ").append(result.error().message()).append('\n');
    } else if (Boolean.TRUE.equals(result.committed())) {
      out.append("committed in ").append(result.durationMs()).append(" ms\n");
    } else {
      out.append("nothing deleted (").append(result.durationMs()).append(" ms)\n");
    }
    return out.toString();
  }
}
