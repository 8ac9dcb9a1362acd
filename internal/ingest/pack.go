package ingest

import (
	"strings"
	"unicode/utf8"

	"supportd/internal/text"
)

// piece is a unit of packing: a paragraph, line, sentence, word or word
// fragment, never blank, with the separator that joins it to the piece
// before it in the source.
type piece struct {
	text   string
	sep    string
	tokens int // CountTokens(text): its size when it starts a chunk
	cost   int // estimated tokens it adds after another piece, separator included
}

// Split levels, coarsest first: a piece over the limit is split at the
// first level that yields more than one part.
const (
	levelLines = iota
	levelSentences
	levelWords
	levelBytes
)

// pieces splits a section's paragraphs into pieces of at most limit tokens.
func (c *Chunker) pieces(blocks []string, limit int) []piece {
	var out []piece
	for _, b := range blocks {
		out = c.fit(out, b, "\n\n", levelLines, limit)
	}
	return out
}

// fit appends text to out as one piece if it has at most limit tokens, or
// else as the pieces of its split at level or finer.
func (c *Chunker) fit(out []piece, text, sep string, level, limit int) []piece {
	n := c.CountTokens(text)
	if n <= limit || level > levelBytes {
		return append(out, c.newPiece(text, sep, n))
	}
	parts, inner := splitAt(level, text, limit)
	if len(parts) <= 1 {
		return c.fit(out, text, sep, level+1, limit)
	}
	for i, part := range parts {
		s := inner
		if i == 0 {
			s = sep
		}
		out = c.fit(out, part, s, level+1, limit)
	}
	return out
}

// newPiece builds a piece of n tokens. Its cost after another piece is
// counted with the separator: " eleven" is one token where "eleven" alone
// is two, so word-level pieces would otherwise pack far below the limit. A
// newline separator is a token of its own.
func (c *Chunker) newPiece(text, sep string, n int) piece {
	cost := n
	switch sep {
	case " ":
		cost = c.CountTokens(sep + text)
	case "":
	default:
		cost++
	}
	return piece{text: text, sep: sep, tokens: n, cost: cost}
}

// splitAt splits s at one level, dropping blank parts, and returns the
// separator that joins the parts. Sentences are text.Sentences.
func splitAt(level int, s string, limit int) (parts []string, sep string) {
	switch level {
	case levelLines:
		parts, sep = strings.Split(s, "\n"), "\n"
	case levelSentences:
		parts, sep = text.Sentences(s), " "
	case levelWords:
		parts, sep = strings.Fields(s), " "
	default:
		// A string of n bytes has at most n tokens: cl100k merges bytes.
		parts, sep = byteChunks(s, limit), ""
	}
	kept := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return kept, sep
}

// byteChunks cuts s into parts of at most limit bytes at rune boundaries;
// a rune longer than limit is a part of its own.
func byteChunks(s string, limit int) []string {
	var out []string
	for s != "" {
		end := 0
		for end < len(s) {
			_, size := utf8.DecodeRuneInString(s[end:])
			if end > 0 && end+size > limit {
				break
			}
			end += size
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// packed is one chunk's text and its exact token count.
type packed struct {
	text   string
	tokens int
}

// pack packs one section's pieces, in order, into chunks of at most c.size
// tokens. Every chunk after the first starts with the tail of the chunk
// before it (see tail), unless that would leave no room for new text.
func (c *Chunker) pack(ps []piece) []packed {
	var out []packed
	var prev []piece
	for len(ps) > 0 {
		chunk, used, p := c.next(c.tail(prev), ps)
		out = append(out, p)
		prev, ps = chunk, ps[used:]
	}
	return out
}

// next builds one chunk from lead (the overlap) and the start of rest. It
// returns the chunk's pieces, how many of rest it used (at least one) and
// the packed chunk.
func (c *Chunker) next(lead, rest []piece) (chunk []piece, used int, p packed) {
	chunk, used = c.fill(lead, rest)
	return c.shrink(chunk, used)
}

// fill takes lead, trimmed from its front until the first new piece fits
// beside it, then as many pieces of rest as fit by estimate (at least one).
func (c *Chunker) fill(lead, rest []piece) (chunk []piece, used int) {
	for len(lead) > 0 && estimate(lead)+rest[0].cost > c.size {
		lead = lead[1:]
	}
	chunk = append(make([]piece, 0, len(lead)+8), lead...)
	est := estimate(lead)
	for ; used < len(rest); used++ {
		add := rest[used].cost
		if len(chunk) == 0 {
			add = rest[used].tokens
		}
		if used > 0 && est+add > c.size {
			break
		}
		chunk, est = append(chunk, rest[used]), est+add
	}
	return chunk, used
}

// shrink corrects fill's estimate with exact counts: while the chunk is
// over c.size it gives back its last new piece or, with only one left,
// shortens the overlap in front of it.
func (c *Chunker) shrink(chunk []piece, used int) ([]piece, int, packed) {
	for {
		text := join(chunk)
		n := c.CountTokens(text)
		switch {
		case n <= c.size:
			return chunk, used, packed{text: text, tokens: n}
		case used > 1:
			chunk, used = chunk[:len(chunk)-1], used-1
		case len(chunk) > 1:
			chunk = chunk[1:]
		default: // unreachable: fit bounds every piece by c.size
			return chunk, used, packed{text: text, tokens: n}
		}
	}
}

// tail returns the end of a chunk to repeat at the start of the next: whole
// trailing pieces totalling at most c.overlap tokens or, when even the last
// piece is bigger, the trailing parts of that piece split as coarsely as
// fits (lines, then sentences, then words).
func (c *Chunker) tail(prev []piece) []piece {
	if len(prev) == 0 {
		return nil
	}
	if out := takeTail(prev, c.overlap); len(out) > 0 {
		return out
	}
	last := prev[len(prev)-1]
	return takeTail(c.fit(nil, last.text, last.sep, levelLines, c.overlap), c.overlap)
}

// takeTail returns the longest suffix of ps whose estimated size is at most
// budget.
func takeTail(ps []piece, budget int) []piece {
	i := len(ps)
	for i > 0 && estimate(ps[i-1:]) <= budget {
		i--
	}
	return ps[i:]
}

// estimate approximates the tokens of ps joined; next corrects it with an
// exact count.
func estimate(ps []piece) int {
	if len(ps) == 0 {
		return 0
	}
	n := ps[0].tokens
	for _, p := range ps[1:] {
		n += p.cost
	}
	return n
}

// join concatenates pieces with their separators, the first one's dropped.
func join(ps []piece) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(p.sep)
		}
		b.WriteString(p.text)
	}
	return b.String()
}
