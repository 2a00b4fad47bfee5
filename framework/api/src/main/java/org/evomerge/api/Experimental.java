package org.evomerge.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks API that may still change in a minor release; the compatibility check ignores it. Plugins that use it
 * should declare a narrow {@code plugin.requires} range.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface Experimental {
    /** The API version that introduced the element. */
    String since();

    /**
     * What the feature is and why it may still change, in words a plugin author understands without the project's
     * tracker (no issue or work-item references).
     */
    String reason() default "";
}
