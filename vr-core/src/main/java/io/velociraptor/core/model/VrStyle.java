package io.velociraptor.core.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.immutables.value.Value;

/**
 * The one Immutables style of vr's model: abstract value types {@code X} get a generated
 * {@code ImmutableX} with a builder; Jackson names come from the mapper's snake_case strategy,
 * not from generated annotations.
 */
@Target({ElementType.PACKAGE, ElementType.TYPE})
@Retention(RetentionPolicy.CLASS)
@Value.Style(
    typeImmutable = "Immutable*",
    visibility = Value.Style.ImplementationVisibility.PUBLIC,
    forceJacksonPropertyNames = false,
    jdkOnly = true,
    optionalAcceptNullable = true)
public @interface VrStyle {}
