package io.datapurge.api;

import java.util.List;

/**
 * A resource that remembers the fields of the API server's object that this operator's model does
 * not know, as paths such as {@code spec.onlyOlderThan}: the CRD installed in the cluster is newer
 * than the operator. The operator's client records them while reading
 * ({@code operator.OperatorSerialization}) where Jackson would fail the whole informer, and the
 * operator refuses a resource whose spec has one. Not part of the JSON, so not of the CRD either.
 */
public interface UnknownFields {

  /** The paths recorded, in the order read; empty when the model knows every field. */
  List<String> unknownFields();

  void addUnknownField(String path);
}
