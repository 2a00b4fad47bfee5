package org.evomerge.plugins.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pieces of a SentencePiece {@code tokenizer.model}: the {@code pieces} field (1) of its {@code ModelProto}, each
 * a {@code SentencePiece} message with {@code piece} (1, string), {@code score} (2, float) and {@code type} (3, enum,
 * NORMAL when absent). Everything else in the protocol buffer is skipped. What llama.cpp's converter reads through the
 * sentencepiece library.
 *
 * @param pieces in id order
 */
record SentencePieceModel(List<Piece> pieces) {

    /**
     * One piece.
     *
     * @param text  the piece's text
     * @param score its score (0 when absent)
     * @param type  its {@code SentencePiece.Type}, numbered as {@link TokenType}
     */
    record Piece(String text, float score, int type) {
    }

    SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /**
     * Reads {@code file}.
     *
     * @throws org.evomerge.api.EvomergeException (INPUT) if it is not a SentencePiece model
     */
    static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw GgufFormat.inputError(file, "cannot read it: " + e.getMessage());
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<Piece> pieces = new ArrayList<>();
            while (in.hasRemaining()) {
                long key = varint(in);
                if (key >>> 3 == 1 && (key & 7) == 2) {
                    pieces.add(piece(slice(in)));
                } else {
                    skip(in, (int) (key & 7));
                }
            }
            if (pieces.isEmpty()) {
                throw new IllegalArgumentException("it has no pieces");
            }
            return new SentencePieceModel(pieces);
        } catch (RuntimeException e) {
            throw GgufFormat.inputError(file, "not a SentencePiece model: " + (e.getMessage() == null
                    ? "truncated or malformed" : e.getMessage()));
        }
    }

    private static Piece piece(ByteBuffer in) {
        String text = "";
        float score = 0;
        int type = TokenType.NORMAL;
        while (in.hasRemaining()) {
            long key = varint(in);
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (field == 1 && wire == 2) {
                text = utf8(slice(in));
            } else if (field == 2 && wire == 5) {
                score = in.getFloat();
            } else if (field == 3 && wire == 0) {
                type = (int) varint(in);
            } else {
                skip(in, wire);
            }
        }
        return new Piece(text, score, type);
    }

    private static String utf8(ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a piece is not UTF-8");
        }
    }

    private static ByteBuffer slice(ByteBuffer in) {
        long length = varint(in);
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("a field of " + length + " bytes runs past the end");
        }
        ByteBuffer part = in.slice(in.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + (int) length);
        return part;
    }

    private static void skip(ByteBuffer in, int wire) {
        switch (wire) {
            case 0 -> varint(in);
            case 1 -> in.position(in.position() + 8);
            case 2 -> slice(in);
            case 5 -> in.position(in.position() + 4);
            default -> throw new IllegalArgumentException("unknown wire type " + wire);
        }
    }

    private static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("a varint is longer than 10 bytes");
    }
}
