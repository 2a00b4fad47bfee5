package org.evomerge.engine.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A recipe's vocabulary settings: mergekit's {@code tokenizer_source: base | union | MODEL} or its
 * {@code tokenizer:} block ({@code source}, {@code tokens}, {@code pad_to_multiple_of}). When present, every input's
 * embedding and head rows are rearranged to the output vocabulary before the merge method runs.
 *
 * @param source         where the output vocabulary comes from
 * @param sourceModel    the model reference when {@code source} is {@link Source#MODEL}
 * @param tokens         per-token settings by token text, in recipe order (each token is added to the output
 *                       vocabulary if it is not already there)
 * @param padToMultipleOf round the output's row count up to a multiple of this (extra rows get the mean embedding);
 *                       empty pads nothing
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
            throw new InvalidRecipeException("source", "names a model exactly when it is neither base nor union");
        }
        sourceModel.ifPresent(m -> RecipeSource.checkReference(m, "source"));
        tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
        padToMultipleOf = padToMultipleOf == null ? OptionalInt.empty() : padToMultipleOf;
        if (padToMultipleOf.isPresent() && padToMultipleOf.getAsInt() <= 0) {
            throw new InvalidRecipeException("pad_to_multiple_of", "must be a whole number > 0 (leave it out to pad"
                    + " nothing)");
        }
    }

    /** These settings with every model reference mapped by {@code reference}. */
    TokenizerSettings withModels(UnaryOperator<String> reference) {
        Map<String, TokenSetting> mapped = new LinkedHashMap<>();
        tokens.forEach((token, setting) -> mapped.put(token, new TokenSetting(setting.source().map(s -> switch (s) {
            case FromModel m -> new FromModel(reference.apply(m.model()));
            case ModelToken m -> new ModelToken(reference.apply(m.model()), m.tokenId(), m.token());
            case Zero z -> z;
        }), setting.force())));
        return new TokenizerSettings(source, sourceModel.map(reference), mapped, padToMultipleOf);
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
        public FromModel {
            Objects.requireNonNull(model, "model");
            RecipeSource.checkReference(model, "");
        }
    }

    /** Row {@code tokenId}, or the row of token text {@code token}, of {@code model}'s own vocabulary. */
    public record ModelToken(String model, OptionalInt tokenId, Optional<String> token) implements TokenSource {
        public ModelToken {
            Objects.requireNonNull(model, "model");
            RecipeSource.checkReference(model, "model");
            if (tokenId.isPresent() == token.isPresent()) {
                throw new InvalidRecipeException("", "needs exactly one of 'token_id' and 'token'");
            }
            if (tokenId.isPresent() && tokenId.getAsInt() < 0) {
                throw new InvalidRecipeException("token_id", "must be a whole number >= 0");
            }
        }
    }

    /** A zero row. */
    public record Zero() implements TokenSource {
    }
}
