package io.datapurge.operator;

import io.datapurge.api.CredentialsSecret;
import io.datapurge.api.DatabaseSpec;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** Resources as the API server hands them to the reconciler (defaults applied, uid and generation set). */
final class Resources {

  static final OperatorSettings SETTINGS = new OperatorSettings("datapurge/user-data-purge-operator:0.1.0",
      Pattern.compile(OperatorSettings.DEFAULT_PROTECTED), Duration.ofMinutes(30), Duration.ofHours(24));

  private Resources() {}

  static UserDataPurge purge(String name, String database, String confirm) {
    DatabaseSpec db = new DatabaseSpec();
    db.setHost("postgres.staging.svc");
    db.setName(database);
    db.setCredentialsSecret(new CredentialsSecret("pg-purge"));
    UserDataPurgeSpec spec = new UserDataPurgeSpec();
    spec.setDatabase(db);
    spec.setTables(List.of("auth_user", "custom_auth_tenant"));
    spec.setConfirm(confirm);
    UserDataPurge resource = new UserDataPurge();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("staging")
        .withUid("8d1f2c3e-0000-4000-8000-00000000abcd").withGeneration(1L).build());
    resource.setSpec(spec);
    return resource;
  }
}
