package org.evomerge.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a fixture: a contract subclass for a deliberately broken extension. {@link ContractsCatchBrokenExtensionsTest}
 * runs it and requires exactly these contract test methods to fail, so each fixture proves that those tests can fail
 * and that the contract's other tests do not fail for unrelated reasons.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface MustFail {

    /** Method names of the contract tests that must fail. */
    String[] value();
}
