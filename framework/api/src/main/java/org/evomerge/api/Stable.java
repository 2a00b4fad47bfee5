package org.evomerge.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks API that plugins may rely on: it changes only in binary-compatible ways (new default methods, new enum
 * constants, new record factories) within a major API version, and the build checks that with japicmp.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface Stable {
    /** The API version that introduced the element. */
    String since();
}
