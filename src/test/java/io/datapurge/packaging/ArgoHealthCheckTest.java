package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseOsLib;

/**
 * deploy/gitops/argocd/health.lua run by a real Lua interpreter (luaj) on sample UserDataPurge
 * objects, with only the libraries Argo CD opens for a health script ({@link #argoCdGlobals()}).
 */
class ArgoHealthCheckTest {

  static final Path SCRIPT = Path.of("deploy", "gitops", "argocd", "health.lua");

  record Health(String status, String message) {}

  @Test
  void aNewResourceWithoutStatusIsProgressing() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 1}
        spec: {confirm: pyfactor}
        """);

    assertThat(h.status()).isEqualTo("Progressing");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Pending", "Planning", "Running"})
  void aRunThatHasNotFinishedIsProgressingAndNamesItsJob(String phase) throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 2}
        status: {phase: %s, observedGeneration: 2, jobName: reset-staging-7f3a9c}
        """.formatted(phase));

    assertThat(h).isEqualTo(new Health("Progressing", phase + " (Job reset-staging-7f3a9c)"));
  }

  @Test
  void aSucceededPurgeIsHealthyAndReportsTheRowsItRemoved() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 3}
        status:
          phase: Succeeded
          observedGeneration: 3
          tables:
          - {table: public.auth_user, role: root, before: 1200, after: 0}
          - {table: public.django_admin_log, role: dependent, before: 40, after: 0}
          totals: {before: 1240, after: 0}
        """);

    assertThat(h).isEqualTo(new Health("Healthy", "Purged 1240 rows from 2 tables; 0 left"));
  }

  @Test
  void aSucceededDryRunIsHealthyAndSaysNothingWasDeleted() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 1}
        spec: {dryRun: true}
        status:
          phase: Succeeded
          observedGeneration: 1
          dryRun: true
          tables: [{table: public.auth_user, role: root, before: 1200, after: 1200}]
          totals: {before: 1200, after: 1200}
        """);

    assertThat(h).isEqualTo(new Health("Healthy", "Dry run: 1200 rows in 1 tables would be purged"));
  }

  @Test
  void aPlanAwaitingConfirmationIsSuspendedUntilSomeoneConfirms() throws Exception {
    Health h = health("""
        metadata: {name: plan-staging, generation: 1}
        status:
          phase: AwaitingConfirmation
          observedGeneration: 1
          dryRun: true
          tables:
          - {table: public.auth_user, role: root, before: 1200, after: 1200}
          - {table: public.custom_auth_tenant, role: root, before: 30, after: 30}
          - {table: public.auth_user_groups, role: dependent, before: 800, after: 800}
          totals: {before: 2030, after: 2030}
        """);

    assertThat(h.status()).isEqualTo("Suspended");
    assertThat(h.message()).isEqualTo("Plan: 2030 rows in 3 tables would be purged; set spec.confirm to run it");
  }

  @Test
  void aFailedPurgeIsDegradedWithItsReasonAndMessage() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 1}
        status:
          phase: Failed
          observedGeneration: 1
          reason: LockTimeout
          message: could not lock public.auth_user within 10s; nothing was deleted
        """);

    assertThat(h).isEqualTo(new Health("Degraded",
        "Failed (LockTimeout): could not lock public.auth_user within 10s; nothing was deleted"));
  }

  @Test
  void aBlockedPurgeIsDegraded() throws Exception {
    Health h = health("""
        metadata: {name: reset-prod, generation: 1}
        status: {phase: Blocked, observedGeneration: 1, reason: ProtectedDatabase, message: ''}
        """);

    assertThat(h).isEqualTo(new Health("Degraded", "Blocked (ProtectedDatabase)"));
  }

  @Test
  void aStatusForAnOlderSpecIsProgressingEvenIfItSucceeded() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 4}
        spec: {runId: "2026-11-27"}
        status: {phase: Succeeded, observedGeneration: 3, totals: {before: 10, after: 0}}
        """);

    assertThat(h).isEqualTo(new Health("Progressing", "Waiting for the operator to observe generation 4"));
  }

  @Test
  void anUnknownPhaseIsReportedAsUnknown() throws Exception {
    Health h = health("""
        metadata: {name: reset-staging, generation: 1}
        status: {phase: Exploded, observedGeneration: 1}
        """);

    assertThat(h.status()).isEqualTo("Unknown");
  }

  @ParameterizedTest
  @CsvSource({
      "awaiting-confirmation, Suspended, Plan: 1770 rows in 4 tables would be purged; set spec.confirm to run it",
      "succeeded, Healthy, Purged 1770 rows from 4 tables; 0 left",
      "running-after-runid-change, Progressing, Running (Job real-reset-purge-e0b91881f0)",
      "failed-connection, Degraded, Failed (ConnectionFailed): Could not connect to PostgreSQL"})
  void statusesCapturedFromARealRunMapToTheDocumentedHealth(String sample, String status, String message)
      throws Exception {
    Health h = health(Files.readString(Path.of("src/test/resources/packaging/statuses", sample + ".yaml")));

    assertThat(h.status()).isEqualTo(status);
    assertThat(h.message()).startsWith(message);
  }

  @Test
  void argocdConfigMapSnippetCarriesTheTestedScriptVerbatim() throws Exception {
    ConfigMap cm = new KubernetesSerialization().unmarshal(
        Files.readString(Path.of("deploy", "gitops", "argocd", "argocd-cm.yaml")), ConfigMap.class);

    assertThat(cm.getMetadata().getName()).isEqualTo("argocd-cm");
    assertThat(cm.getData()).containsOnlyKeys("resource.customizations.health.datapurge.io_UserDataPurge",
        "resource.customizations.health.datapurge.io_UserDataPurgeSchedule");
    assertThat(cm.getData().get("resource.customizations.health.datapurge.io_UserDataPurgeSchedule"))
        .isEqualTo(Files.readString(SCRIPT.resolveSibling("schedule-health.lua")));
    assertThat(cm.getData().get("resource.customizations.health.datapurge.io_UserDataPurge"))
        .isEqualTo(Files.readString(SCRIPT));
  }

  @Test
  void theSandboxOpensOnlyTheLibrariesArgoCdOpensForAHealthScript() {
    // Argo CD (util/lua/lua.go, useOpenLibs unset as in argocd-cm.yaml) opens base, package and
    // table, and a "safe os" (time, date) that only require("os") returns. A script that used
    // string, math, io or a string method would be Unknown there: it must fail here too.
    for (String missing : List.of("string", "math", "io", "os", "debug", "coroutine", "utf8")) {
      assertThat(run("return " + missing).isnil()).as("global %s", missing).isTrue();
    }
    assertThatThrownBy(() -> run("return ('x'):upper()")).isInstanceOf(LuaError.class);
    assertThatThrownBy(() -> run("return string.format('%d', 1)")).isInstanceOf(LuaError.class);

    assertThat(run("return tostring(1240) .. ' rows in ' .. #{1, 2} .. ' tables'").tojstring())
        .isEqualTo("1240 rows in 2 tables");
    assertThat(run("local t = {}; table.insert(t, 'a'); return table.concat(t, ',')").tojstring()).isEqualTo("a");
    assertThat(run("local os = require('os'); return os.time() > 0 and os.execute == nil").toboolean()).isTrue();
  }

  /** Globals with exactly what Argo CD's Lua VM opens for a health script from argocd-cm. */
  static Globals argoCdGlobals() {
    Globals g = new Globals();
    g.load(new JseBaseLib());
    g.load(new PackageLib());
    g.load(new TableLib());
    LoadState.install(g);
    LuaC.install(g);
    // Argo CD's safe os: os.time and os.date only. Its OpenSafeOs registers them into the table
    // module (sic) and require("os") returns them; there is no os global.
    Globals full = new Globals();
    full.load(new JseBaseLib());
    full.load(new PackageLib());
    full.load(new JseOsLib());
    LuaTable safeOs = new LuaTable();
    for (String f : List.of("time", "date")) {
      safeOs.set(f, full.get("os").get(f));
      g.get("table").set(f, full.get("os").get(f));
    }
    g.get("package").get("preload").set("os", new OneArgFunction() {
      @Override
      public LuaValue call(LuaValue name) {
        return safeOs;
      }
    });
    // luaj keeps the string metatable (what makes ('x'):upper() work) in a static that any
    // Globals with the string library sets; gopher-lua has none without it.
    LuaString.s_metatable = null;
    return g;
  }

  private static LuaValue run(String chunk) {
    return argoCdGlobals().load(chunk, "chunk").call();
  }

  /** Runs the script with {@code obj} bound to the resource, as Argo CD does, and reads the returned table. */
  static Health health(String resourceYaml) throws Exception {
    return health(SCRIPT, resourceYaml);
  }

  /** As above, with another script (the schedule's). */
  static Health health(Path script, String resourceYaml) throws Exception {
    Map<?, ?> resource = new ObjectMapper(new YAMLFactory()).readValue(resourceYaml, Map.class);
    Globals globals = argoCdGlobals();
    globals.set("obj", toLua(resource));
    LuaValue hs = globals.load(Files.readString(script), script.getFileName().toString()).call();
    return new Health(hs.get("status").tojstring(), hs.get("message").isnil() ? null : hs.get("message").tojstring());
  }

  private static LuaValue toLua(Object value) {
    if (value instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable();
      map.forEach((k, v) -> t.set(k.toString(), toLua(v)));
      return t;
    }
    if (value instanceof List<?> list) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        t.set(i + 1, toLua(list.get(i)));
      }
      return t;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue()); // JSON numbers reach Argo CD's Lua as floats
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return value == null ? LuaValue.NIL : LuaValue.valueOf(value.toString());
  }
}
