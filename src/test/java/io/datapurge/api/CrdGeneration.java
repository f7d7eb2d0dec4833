package io.datapurge.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.File;
import java.util.List;

/**
 * Runs Fabric8's CRD generator on the model (the build calls it, see pom.xml) with what the Maven
 * plugin cannot add: a default status (see {@link #statusDefault}), and one correction: the
 * generator writes {@code priority: 0} on every printer column, a
 * value the API server drops (it is the default, {@code omitempty}). A CRD file that differs from
 * what the server stores makes {@code kubectl apply --server-side} conflict with any other field
 * manager of the atomic {@code spec.versions} list (Helm, a client-side apply), even with the file
 * unchanged; so priority 0 is left out, as the server would.
 *
 * <p>Usage: {@code CrdGeneration OUTPUT_DIR}.
 */
public final class CrdGeneration {

  private CrdGeneration() {}

  public static void main(String[] args) {
    File out = new File(args.length > 0 ? args[0] : "target/classes/META-INF/fabric8");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new IllegalStateException("cannot create " + out);
    }
    int written = new CRDGenerator()
        .customResourceClasses(UserDataPurge.class)
        .forCRDVersions("v1")
        .withPostProcessor(new CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
            return asTheServerStoresIt(crd);
          }
        })
        .inOutputDir(out)
        .generate();
    if (written != 1) {
      throw new IllegalStateException("expected one CRD, the generator wrote " + written);
    }
  }

  static HasMetadata asTheServerStoresIt(HasMetadata resource) {
    if (resource instanceof CustomResourceDefinition crd) {
      for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
        statusDefault(version);
        List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
        if (columns == null) {
          continue;
        }
        for (CustomResourceColumnDefinition column : columns) {
          if (column.getPriority() != null && column.getPriority() == 0) {
            column.setPriority(null);
          }
        }
      }
    }
    return resource;
  }

  /**
   * A resource the operator has not written yet reads with {@code status: {observedGeneration: 0}}
   * (the API server applies schema defaults whenever it reads an object). Without any status,
   * kstatus, and so Flux's {@code wait}/{@code healthChecks}, calls a fresh resource Current before
   * its purge ran; generation 1 observed as 0 is InProgress, and Flux's CEL health checks, which
   * test observedGeneration first, no longer evaluate expressions on an object without status.
   */
  static void statusDefault(CustomResourceDefinitionVersion version) {
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    status.setDefault(JsonNodeFactory.instance.objectNode().put("observedGeneration", 0));
  }
}
