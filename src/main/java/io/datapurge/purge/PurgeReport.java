package io.datapurge.purge;

import java.util.ArrayList;
import java.util.List;

/** The counts as a table people read on a terminal or in the Job's log. */
public final class PurgeReport {
  private PurgeReport() {}

  private static String text(Long n) {
    return n == null ? "" : Long.toString(n);
  }

  /** TABLE ROLE BEFORE DELETED SEEDED AFTER METHOD WHY; SEEDED only for a run with a seed. */
  private static String[] row(boolean seeded, String... cells) {
    List<String> row = new ArrayList<>(List.of(cells));
    if (!seeded) row.remove(4);
    return row.toArray(String[]::new);
  }

  public static String render(PurgePlan plan, PurgeResult result) {
    StringBuilder out = new StringBuilder();
    out.append("database ").append(result.database()).append(", strategy ").append(result.strategy())
        .append(Boolean.TRUE.equals(result.dryRun()) ? ", dry run (nothing deleted)" : "");
    if (result.runId() != null) out.append(", run ").append(result.runId());
    out.append('\n');
    if (result.tables() != null) {
      boolean seeded = result.tables().stream().anyMatch(c -> c.seeded() != null);
      List<String[]> rows = new ArrayList<>();
      List<String> header = new ArrayList<>(List.of("TABLE", "ROLE", "BEFORE", "DELETED", "AFTER", "METHOD", "WHY"));
      if (seeded) header.add(4, "SEEDED");
      rows.add(header.toArray(String[]::new));
      for (int i = 0; i < result.tables().size(); i++) {
        PurgeResult.TableCount c = result.tables().get(i);
        String why = plan != null && i < plan.entries().size() ? plan.entries().get(i).why() : "";
        rows.add(row(seeded, c.table(), c.role(), Long.toString(c.before()), text(c.deleted()), text(c.seeded()),
            Long.toString(c.after()), c.method() == null ? "" : c.method(), why));
      }
      if (result.totals() != null) {
        PurgeResult.Totals t = result.totals();
        rows.add(row(seeded, "total (purged tables)", "", Long.toString(t.before()), text(t.deleted()),
            text(t.seeded()), Long.toString(t.after()), "", ""));
      }
      int columns = rows.get(0).length;
      int[] width = new int[columns];
      for (String[] r : rows) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i].length());
      for (String[] r : rows) {
        StringBuilder line = new StringBuilder(String.format("%-" + width[0] + "s  %-" + width[1] + "s", r[0], r[1]));
        for (int i = 2; i < columns - 2; i++) line.append(String.format("  %" + width[i] + "s", r[i])); // counts
        line.append(String.format("  %-" + width[columns - 2] + "s  %s", r[columns - 2], r[columns - 1]));
        out.append(line.toString().stripTrailing()).append('\n');
      }
    }
    if (result.seed() != null) {
      for (PurgeResult.SeedFile f : result.seed()) {
        out.append("seed ").append(f.file()).append(": ").append(f.statements()).append(" statements")
            .append(Boolean.TRUE.equals(result.dryRun()) ? " (parsed, not run)" : "").append('\n');
      }
    }
    PurgeResult.KeyChecks k = result.keyChecks();
    if (k != null && k.batch() + k.perRow() > 0) {
      out.append("foreign keys between purged tables: ");
      if (k.batch() > 0) {
        out.append(k.batch()).append(Boolean.TRUE.equals(result.dryRun()) ? " would be" : "")
            .append(" checked once (dropped before the deletes, re-added after them)");
      }
      if (k.batch() > 0 && k.perRow() > 0) out.append(", ");
      if (k.perRow() > 0) {
        out.append(k.perRow()).append(" checked per deleted row")
            .append(k.why() == null ? " (--fk-checks " + k.mode() + ")" : ": " + String.join("; ", k.why()));
      }
      out.append('\n');
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
