package io.datapurge.operator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import io.datapurge.api.UnknownFields;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The operator client's JSON: Fabric8's, except that a field this operator's model does not know,
 * inside one of its own resources ({@link UnknownFields}), is skipped and recorded on that resource
 * instead of failing the read. A CRD newer than the operator (an upgrade applies the chart's CRD
 * before the new pod runs, or the operator was downgraded) then refuses the resources using the new
 * fields ({@link RunDecision#unknownSpecFields}) while every other resource reconciles; before, the
 * informer stopped on the first such object. Every other type reads as Fabric8 reads it (its model
 * keeps unknown fields in {@code additionalProperties}; anything else still fails).
 */
public class OperatorSerialization extends KubernetesSerialization {

  public OperatorSerialization() {
    super(new ObjectMapper(), true);
  }

  @Override
  protected void configureMapper(ObjectMapper mapper) {
    super.configureMapper(mapper);
    mapper.addHandler(new RecordUnknownFields());
  }

  /**
   * JOSDK hands the reconciler a clone (written to JSON and read back) of the cached resource; the
   * JSON has no unknown fields, so the clone gets the original's list.
   */
  @Override
  public <T> T clone(T resource) {
    T copy = super.clone(resource);
    if (resource instanceof UnknownFields from && copy instanceof UnknownFields to) {
      from.unknownFields().forEach(to::addUnknownField);
    }
    return copy;
  }

  /**
   * Skips an unknown property of (a part of) an {@link UnknownFields} resource, recording its path
   * there; an enum value this model does not know (a newer CRD's {@code strategy}) is recorded the
   * same way, with the value, and read as null: the resource is refused before anything reads it.
   */
  static final class RecordUnknownFields extends DeserializationProblemHandler {
    @Override
    public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
        Object beanOrClass, String propertyName) throws IOException {
      // On an object or array value the parser has already entered it: its parent holds the name.
      JsonStreamContext context = p.currentToken() != null && p.currentToken().isStructStart()
          ? p.getParsingContext().getParent() : p.getParsingContext();
      if (!record(context, "")) return false;
      p.skipChildren();
      return true;
    }

    @Override
    public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String valueToConvert,
        String failureMsg) {
      return targetType.isEnum() && record(ctxt.getParser().getParsingContext(), " (value \"" + valueToConvert + "\")")
          ? null : NOT_HANDLED;
    }

    /** Records the path of {@code context}'s current value on the resource it is part of, if any. */
    private static boolean record(JsonStreamContext context, String suffix) {
      Deque<String> path = new ArrayDeque<>();
      for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
        path.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : "." + c.getCurrentName());
        if (c.getCurrentValue() instanceof UnknownFields resource) {
          resource.addUnknownField(String.join("", path).substring(1) + suffix);
          return true;
        }
      }
      return false;
    }
  }
}
