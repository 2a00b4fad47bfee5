package org.evomerge.plugins.gguf;

/**
 * The token types of a GGUF vocabulary ({@code tokenizer.ggml.token_type}): gguf-py's {@code TokenType}, which numbers
 * them as sentencepiece's {@code SentencePiece.Type} does, so the piece types of a {@code tokenizer.model} are read
 * with the same constants.
 */
final class TokenType {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private TokenType() {
    }
}
