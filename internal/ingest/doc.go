// Package ingest turns source files into knowledge-base content: it finds
// files under ingest roots (Discover), loads Markdown, HTML, plain text, PDF
// and FAQ (CSV/JSON) files into normalised Markdown-ish text (Load), splits
// that text into heading-aware, token-bounded chunks with overlap (Chunker),
// and syncs the result into a knowledge base (Syncer).
//
// Loading and chunking are pure: they touch no database, no network and no
// clock. Token counts use the cl100k_base encoding embedded in the binary.
//
// It imports the embedder (embed), guard (to flag instruction-like text),
// the store, the core nouns and text (sentence splitting). Data flows one way: ingest must not import
// httpapi, assistant or retrieve.
package ingest
