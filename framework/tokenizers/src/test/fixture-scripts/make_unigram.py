# Writes a Unigram tokenizer.json with the Metaspace pre-tokenizer and byte fallback (T5/ALBERT-style SentencePiece; byte fallback is off
# because the JavaScript reference does not implement it for Unigram: the BPE fixture covers it),
# pieces and scores derived from the frequencies of substrings of a small corpus.
import json, collections, math, re, sys, os
OUT = sys.argv[1]
CORPUS = """the quick brown fox jumps over the lazy dog. the dog sleeps in the sun; the fox runs.
there is nothing there, then the other one went in. 12 apples and 345 pears were eaten in 2024!
a merge of two models is a model, and the merged model is better than either of them when the weights agree.
evolution selects the fittest: selection, mutation and crossover over many generations of models."""
words = ["▁" + w for w in CORPUS.split()]
counts = collections.Counter()
for w in words:
    for i in range(len(w)):
        for j in range(i + 2, min(len(w), i + 7) + 1):
            counts[w[i:j]] += 1
pieces = [p for p, c in counts.most_common() if c >= 3][:150]
chars = sorted(set("".join(words)))
vocab = [["<unk>", 0.0], ["<s>", 0.0], ["</s>", 0.0]]
for b in range(256):
    vocab.append(["<0x%02X>" % b, 0.0])
total = sum(counts[p] for p in pieces) + len(chars)
for c in chars:
    vocab.append([c, math.log(1 / total) - 2.0])
for p in pieces:
    vocab.append([p, math.log(counts[p] / total)])
tok = {
  "version": "1.0", "truncation": None, "padding": None,
  "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                   for i, t in enumerate(["<unk>", "<s>", "</s>"])],
  "normalizer": None,
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
  "post_processor": {"type": "TemplateProcessing",
     "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "</s>", "type_id": 1}}],
     "special_tokens": {"</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
  "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
  "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": False, "vocab": vocab}}
os.makedirs(OUT + "/unigram-metaspace", exist_ok=True)
json.dump(tok, open(OUT + "/unigram-metaspace/tokenizer.json", "w"), ensure_ascii=False, indent=1)
json.dump({"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<unk>", "model_max_length": 512, "tokenizer_class": "T5Tokenizer"},
          open(OUT + "/unigram-metaspace/tokenizer_config.json", "w"), indent=1)
