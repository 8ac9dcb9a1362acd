// Package text is the one text pipeline every other package uses to see
// words: a Unicode-aware tokenizer (Tokenize, Words), the English stemmer
// (Stem, Snowball's English algorithm, the same family as PostgreSQL's
// "english" text-search configuration that BM25 ranks with), the English
// stop-word list (IsStopWord), content terms built from all three (Terms)
// and a sentence splitter (Sentences). The embedder, the extractive
// answerer, the evaluation metrics and ingestion therefore agree on what a
// word, a stem and a sentence are.
//
// Its job is only that: it keeps no state and knows nothing of documents,
// retrieval or answers. It imports only the standard library and
// github.com/kljensen/snowball; it must not import any supportd package.
package text
