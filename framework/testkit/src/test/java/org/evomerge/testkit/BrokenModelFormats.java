package org.evomerge.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.context.RunContext;
import org.evomerge.api.extension.ExtensionDescriptor;
import org.evomerge.api.model.Model;
import org.evomerge.api.model.ModelFormat;
import org.evomerge.api.model.ModelFormatFactory;
import org.evomerge.api.parameter.Parameters;
import org.evomerge.api.tensor.DType;
import org.pf4j.Extension;

/** Toy formats with one defect each, and the {@link ModelFormatContract} fixtures that must catch it. */
final class BrokenModelFormats {

    private BrokenModelFormats() {
    }

    /** Variants of the toy format: same descriptor. */
    private abstract static class ToyVariant implements ModelFormatFactory {
        @Override
        public ExtensionDescriptor descriptor() {
            return ToyFormat.Factory.DESCRIPTOR;
        }
    }

    /** A toy format with one behaviour replaced. */
    private abstract static class Wrapper implements ModelFormat {
        final ToyFormat toy = new ToyFormat();

        @Override
        public boolean recognizes(Path path) {
            return toy.recognizes(path);
        }

        @Override
        public Model open(Path path) {
            return toy.open(path);
        }
    }

    /** Claims every existing path, so format detection would pick it for any model folder. */
    @Extension
    public static final class GreedyFactory extends ToyVariant {
        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new Wrapper() {
                @Override
                public boolean recognizes(Path path) {
                    return Files.exists(path);
                }
            };
        }
    }

    @MustFail("doesNotRecogniseUnrelatedFiles")
    static class GreedyFixture extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new GreedyFactory();
        }
    }

    /** Trusts the header's lengths: a truncated file ends in an IndexOutOfBoundsException, not an INPUT error. */
    @Extension
    public static final class UncheckedReadsFactory extends ToyVariant {
        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new ToyFormat() {
                @Override
                protected boolean checksBounds() {
                    return false;
                }
            };
        }
    }

    @MustFail("reportsCorruptInputAsAnInputError")
    static class UncheckedReadsFixture extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new UncheckedReadsFactory();
        }
    }

    /** Reports a corrupt file as a configuration error: the user gets exit code 2 and looks in the wrong place. */
    @Extension
    public static final class WrongCategoryFactory extends ToyVariant {
        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new Wrapper() {
                @Override
                public Model open(Path path) {
                    try {
                        return toy.open(path);
                    } catch (EvomergeException e) {
                        throw EvomergeException.configuration(e.getMessage());
                    }
                }
            };
        }
    }

    @MustFail("reportsCorruptInputAsAnInputError")
    static class WrongCategoryFixture extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new WrongCategoryFactory();
        }
    }

    /** Adds a hint on a second line, breaking the one-line error messages the command line prints. */
    @Extension
    public static final class MultiLineErrorFactory extends ToyVariant {
        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new Wrapper() {
                @Override
                public Model open(Path path) {
                    try {
                        return toy.open(path);
                    } catch (EvomergeException e) {
                        throw EvomergeException.input(e.getMessage() + "\nhint: export the model again", e);
                    }
                }
            };
        }
    }

    @MustFail("reportsCorruptInputAsAnInputError")
    static class MultiLineErrorFixture extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new MultiLineErrorFactory();
        }
    }

    /** Labels float32 data as float16, so each tensor's data is twice the size its info promises. */
    @Extension
    public static final class MislabelledTypeFactory extends ToyVariant {
        @Override
        public ModelFormat create(Parameters parameters, RunContext context) {
            return new ToyFormat() {
                @Override
                protected DType declaredType() {
                    return DType.F16;
                }
            };
        }
    }

    @MustFail("opensASampleWithConsistentTensors")
    static class MislabelledTypeFixture extends ToyFormat.Contract {
        @Override
        protected ModelFormatFactory factory() {
            return new MislabelledTypeFactory();
        }
    }
}
