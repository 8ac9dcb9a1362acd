package ingest

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"

	"supportd/internal/core"
)

// Chunk sizing defaults, in cl100k_base tokens.
const (
	DefaultChunkSize    = 300
	DefaultChunkOverlap = 50
	// MinChunkSize is the smallest Size NewChunker accepts. Below it a single
	// character (up to 4 tokens) could not be guaranteed to fit a chunk.
	MinChunkSize = 8
)

// Chunk is one retrievable piece of a document.
type Chunk struct {
	// Ordinal is the chunk's position in its document: 0, 1, … n-1.
	Ordinal int
	// Heading is the path of section headings above the chunk, outermost
	// first and joined by " > " (e.g. "Refunds > Annual plans"), with inline
	// Markdown (links, emphasis, code) reduced to its words and without the
	// document's title heading; "" for text outside any section.
	Heading string
	// Text is the chunk's body, at most the chunker's Size tokens. It is
	// never blank and holds no heading line (outside fenced code): the
	// heading path is in Heading only.
	Text string
	// Tokens is the cl100k_base token count of Text.
	Tokens int
}

// ChunkerParams configures a Chunker. Zero fields take the defaults.
type ChunkerParams struct {
	// Size is the most tokens a chunk's Text may hold (default 300).
	Size int
	// Overlap is the most tokens a chunk repeats from the end of the chunk
	// before it in the same section (default 50). It must be below Size.
	// Zero selects the default, so overlap cannot be switched off.
	Overlap int
}

// Chunker splits documents into heading-aware chunks of bounded token
// count. It is safe for concurrent use.
type Chunker struct {
	// count counts cl100k_base tokens (counter.count); tests wrap it to
	// see what it is given.
	count   func(string) int
	size    int
	overlap int
}

// NewChunker validates p and returns a Chunker. Errors are *core.Error
// with CodeInvalid for bad parameters, or CodeInternal when the embedded
// token encoding cannot be loaded.
func NewChunker(p ChunkerParams) (*Chunker, error) {
	size := cmp.Or(p.Size, DefaultChunkSize)
	overlap := cmp.Or(p.Overlap, DefaultChunkOverlap)
	if size < MinChunkSize {
		return nil, core.Errorf(core.CodeInvalid, "chunk size %d is below the minimum of %d tokens", size, MinChunkSize)
	}
	if overlap < 0 || overlap >= size {
		return nil, core.Errorf(core.CodeInvalid,
			"chunk overlap %d must be at least 0 and less than chunk size %d", overlap, size)
	}
	counter, err := cl100k()
	if err != nil {
		return nil, core.Wrap(core.CodeInternal, err, "loading the cl100k_base token encoding failed")
	}
	return &Chunker{count: counter.count, size: size, overlap: overlap}, nil
}

// CountTokens returns the number of cl100k_base tokens in s. Special-token
// markers such as "<|endoftext|>" count as ordinary text.
//
// BPE merging is quadratic in the length of an unbroken run of letters, so
// a hostile upload of one 64 KiB "word" would take seconds per count. Runs
// longer than maxRun bytes are therefore counted in maxRun-byte slices:
// merges across a slice boundary are lost, which can only over-count, so
// a chunk measured this way still fits its limit, and every count stays
// linear in the input.
func (c *Chunker) CountTokens(s string) int {
	n := 0
	for len(s) > 0 {
		start, end := longRun(s, maxRun)
		if start < 0 {
			return n + c.count(s)
		}
		if start > 0 {
			n += c.count(s[:start])
		}
		for _, part := range byteChunks(s[start:end], maxRun) {
			n += c.count(part)
		}
		s = s[end:]
	}
	return n
}

// maxRun is the longest unbroken run of non-space text tokenized whole.
const maxRun = 256

// longRun finds the first run of non-space bytes longer than limit and
// returns its bounds, or -1, -1.
func longRun(s string, limit int) (int, int) {
	start := 0
	for i, r := range s {
		if unicode.IsSpace(r) {
			if i-start > limit {
				return start, i
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if len(s)-start > limit {
		return start, len(s)
	}
	return -1, -1
}

// Split cuts doc.Text into chunks, in document order, deterministically.
// Each heading starts a new section; a section's paragraphs are packed into
// chunks of at most Size tokens, and each chunk after a section's first
// begins with up to Overlap tokens from the end of the one before, cut at a
// paragraph, line or sentence boundary where one fits (else at words).
// Paragraphs longer than Size-Overlap are split by lines, then sentences,
// then words (then bytes, for a "word" such as a long URL or hash).
//
// Sections are never merged, so a chunk's Heading is exact and each FAQ
// entry stays in chunks of its own. Sections with no body text (a heading
// directly followed by a subheading) and paragraphs without a letter or
// digit (thematic breaks, empty code fences) yield no chunk; a document of
// headings only therefore has no chunks. Split expects Load's normalised
// text but accepts any string (invalid UTF-8 becomes U+FFFD).
func (c *Chunker) Split(doc Document) []Chunk {
	text := doc.Text
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	var chunks []Chunk
	for _, sec := range sections(text, doc.Title) {
		// Pieces leave room for the overlap, so that it always fits in
		// front of the next piece.
		for _, p := range c.pack(c.pieces(sec.blocks, c.size-c.overlap)) {
			chunks = append(chunks, Chunk{Ordinal: len(chunks), Heading: sec.heading, Text: p.text, Tokens: p.tokens})
		}
	}
	return chunks
}
