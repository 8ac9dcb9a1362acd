// Package text is the one text pipeline every other package uses to see
// words: a Unicode-aware tokenizer (Tokenize, Words), a light English
// stemmer (Stem), the English stop-word list (IsStopWord), content terms
// built from all three (Terms) and a sentence splitter (Sentences). The embedder, the extractive
// answerer, the evaluation metrics and ingestion therefore agree on what a
// word, a stem and a sentence are.
//
// Its job is only that: it keeps no state and knows nothing of documents,
// retrieval or answers. It imports only the standard library (see Stem for
// why not a Snowball stemmer); it must not import any supportd package.
package text
