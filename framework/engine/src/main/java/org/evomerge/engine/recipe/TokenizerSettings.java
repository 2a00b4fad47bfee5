package org.evomerge.engine.recipe;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A recipe's vocabulary settings: mergekit's {@code tokenizer_source: base | union | MODEL} or its
 * {@code tokenizer:} block ({@code source}, {@code tokens}, {@code pad_to_multiple_of}). When present, every input's
 * embedding and head rows are rearranged to the output vocabulary before the merge method runs.
 *
 * @param source         where the output vocabulary comes from
 * @param sourceModel    the model reference when {@code source} is {@link Source#MODEL}
 * @param tokens         per-token settings by token text, in recipe order (each token is added to the output
 *                       vocabulary if it is not already there)
 * @param padToMultipleOf round the output's row count up to a multiple of this (extra rows get the mean embedding)
 */
public record TokenizerSettings(Source source, Optional<String> sourceModel, Map<String, TokenSetting> tokens,
                                OptionalInt padToMultipleOf) {

    /** Where the output vocabulary comes from. */
    public enum Source {
        /** The base model's tokenizer (the first model's without a base), without tokens beyond its vocab_size. */
        BASE,
        /** The base's vocabulary, then every other model's tokens, then every model's added tokens. */
        UNION,
        /** The tokenizer of the folder {@code sourceModel}. */
        MODEL
    }

    public TokenizerSettings {
        Objects.requireNonNull(source, "source");
        sourceModel = sourceModel == null ? Optional.empty() : sourceModel;
        if ((source == Source.MODEL) != sourceModel.isPresent()) {
            throw new IllegalArgumentException("sourceModel is given exactly when source is MODEL");
        }
        tokens = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tokens));
        padToMultipleOf = padToMultipleOf == null ? OptionalInt.empty() : padToMultipleOf;
    }

    /**
     * How one token's row is filled.
     *
     * @param source where the row comes from; empty for the automatic rule (the one model that has the token, else
     *               the base's row, else the mean of the rows that exist, else zero)
     * @param force  use {@code source} even for models that have the token
     */
    public record TokenSetting(Optional<TokenSource> source, boolean force) {
        public TokenSetting {
            source = source == null ? Optional.empty() : source;
        }
    }

    /** The origin of an explicitly configured row. */
    public sealed interface TokenSource {
    }

    /** The same token's row in {@code model} (which must have the token). */
    public record FromModel(String model) implements TokenSource {
    }

    /** Row {@code tokenId}, or the row of token text {@code token}, of {@code model}'s own vocabulary. */
    public record ModelToken(String model, OptionalInt tokenId, Optional<String> token) implements TokenSource {
        public ModelToken {
            if (tokenId.isPresent() == token.isPresent()) {
                throw new IllegalArgumentException("give exactly one of tokenId and token");
            }
        }
    }

    /** A zero row. */
    public record Zero() implements TokenSource {
    }
}
