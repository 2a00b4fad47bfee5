// Expected ids from an independent implementation (@huggingface/tokenizers 0.2.0, pure JavaScript).
import { Tokenizer } from "@huggingface/tokenizers";
import fs from "node:fs";
const dir = process.argv[2];
const texts = [
  "the quick brown fox jumps over the lazy dog.",
  "The Merged model is better than either of them!",
  "  two  spaces and\ttabs\nand newlines\n",
  "12 apples, 345 pears and 2024 models",
  "évolution naïve: café, Übermensch",
  "日本語のテキスト and emoji 🙂👍",
  "selection, mutation and crossover over generations",
  "",
  "x",
];
for (const kind of ["byte-level-bpe", "sentencepiece-bpe", "unigram-metaspace", "wordpiece"]) {
  const tj = JSON.parse(fs.readFileSync(`${dir}/${kind}/tokenizer.json`, "utf8"));
  const tc = JSON.parse(fs.readFileSync(`${dir}/${kind}/tokenizer_config.json`, "utf8"));
  const tok = new Tokenizer(tj, tc);
  const cases = texts.map((text) => ({
    text,
    ids: tok.encode(text, { add_special_tokens: false }).ids,
    ids_with_special_tokens: tok.encode(text, { add_special_tokens: true }).ids,
  }));
  const producedBy = "@huggingface/tokenizers 0.2.0 (pure JavaScript) on Node.js " + process.version
      + ": new Tokenizer(tokenizer.json, tokenizer_config.json).encode(text, {add_special_tokens}).ids";
  fs.writeFileSync(`${dir}/${kind}/expected-ids.json`, "{\"produced_by\": " + JSON.stringify(producedBy)
      + ",\n \"cases\": [\n  " + cases.map((c) => JSON.stringify(c)).join(",\n  ") + "\n ]\n}\n");
}
