package io.velociraptor.core.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.immutables.value.Value;

/**
 * The one Immutables style of vr's model: abstract value types {@code X} get a generated
 * {@code ImmutableX} with a builder; Jackson names come from the mapper's snake_case strategy,
 * not from generated annotations. Generated classes carry no annotation a consumer's compiler
 * would need Immutables for.
 */
@Target({ElementType.PACKAGE, ElementType.TYPE})
@Retention(RetentionPolicy.CLASS)
@Value.Style(
    typeImmutable = "Immutable*",
    visibility = Value.Style.ImplementationVisibility.PUBLIC,
    forceJacksonPropertyNames = false,
    jdkOnly = true,
    optionalAcceptNullable = true,
    // only @Override from the classpath: Immutables would add its own @Generated, whose class
    // (a provided-scope annotation) a consumer does not have, and -Xlint:all warns on every use
    allowedClasspathAnnotations = {Override.class})
public @interface VrStyle {}
