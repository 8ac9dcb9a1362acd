package ingest

import (
	"math"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// counter counts cl100k_base tokens exactly, without tiktoken-go's
// regexp2 pass (half the time of an ingestion went there). cl100k's BPE
// never merges across the pieces its pattern splits text into,
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// so a text's count is the sum of its pieces' counts: pieces splits by
// that pattern written out by hand, and each piece's count is remembered
// (help-centre text says the same words again and again). The tests hold
// it equal to tiktoken-go on both development sets, the synthetic corpus
// and random text.
type counter struct {
	ranks   map[string]int
	seen    sync.Map // piece → token count, for pieces of at most cachedPiece bytes
	entries atomic.Int64
}

// Pieces longer than cachedPiece bytes are counted each time, and no more
// than maxCached pieces are remembered, so that hostile text cannot grow
// the cache without bound.
const (
	cachedPiece = 32
	maxCached   = 1 << 18
)

func newCounter(ranks map[string]int) *counter {
	return &counter{ranks: ranks}
}

// count returns the cl100k_base token count of s, as tiktoken-go's
// EncodeOrdinary would: invalid UTF-8 counts as U+FFFD per bad byte.
func (c *counter) count(s string) int {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	n := 0
	for s != "" {
		end := pieceEnd(s)
		n += c.piece(s[:end])
		s = s[end:]
	}
	return n
}

// piece counts one piece's tokens.
func (c *counter) piece(p string) int {
	if _, ok := c.ranks[p]; ok {
		return 1
	}
	if len(p) > cachedPiece {
		return c.merge(p)
	}
	if n, ok := c.seen.Load(p); ok {
		return n.(int)
	}
	n := c.merge(p)
	if c.entries.Load() < maxCached {
		if _, loaded := c.seen.LoadOrStore(p, n); !loaded {
			c.entries.Add(1)
		}
	}
	return n
}

// merge runs cl100k's byte-pair merge on p (as tiktoken-go does: the
// lowest-ranked adjacent pair first, the leftmost on a tie) and returns
// how many tokens are left.
func (c *counter) merge(p string) int {
	if len(p) <= 1 {
		return len(p)
	}
	type part struct{ start, rank int }
	parts := make([]part, len(p)+1)
	rank := func(i, skip int) int {
		if i+skip+2 < len(parts) {
			if r, ok := c.ranks[p[parts[i].start:parts[i+skip+2].start]]; ok {
				return r
			}
		}
		return math.MaxInt
	}
	for i := range parts {
		parts[i] = part{start: i, rank: math.MaxInt}
	}
	for i := 0; i < len(parts)-2; i++ {
		parts[i].rank = rank(i, 0)
	}
	for len(parts) > 1 {
		low, at := math.MaxInt, -1
		for i := 0; i < len(parts)-1; i++ {
			if parts[i].rank < low {
				low, at = parts[i].rank, i
			}
		}
		if at < 0 {
			break
		}
		parts[at].rank = rank(at, 1)
		if at > 0 {
			parts[at-1].rank = rank(at-1, 1)
		}
		parts = append(parts[:at+1], parts[at+2:]...)
	}
	return len(parts) - 1
}

// pieceEnd returns the length of the piece s starts with: the first of
// the pattern's alternatives that matches at the start of s, as long as
// that alternative matches there.
func pieceEnd(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	if r == '\'' {
		if n := contraction(s[1:]); n > 0 {
			return 1 + n
		}
	}
	switch {
	case unicode.IsLetter(r):
		return size + letters(s[size:])
	case !unicode.IsNumber(r) && r != '\r' && r != '\n':
		if n := letters(s[size:]); n > 0 { // [^\r\n\p{L}\p{N}]?\p{L}+
			return size + n
		}
	}
	if unicode.IsNumber(r) { // \p{N}{1,3}
		end := size
		for range 2 {
			r, size := utf8.DecodeRuneInString(s[end:])
			if end == len(s) || !unicode.IsNumber(r) {
				break
			}
			end += size
		}
		return end
	}
	if n := symbols(s); n > 0 {
		return n
	}
	return spaces(s)
}

// contraction is the length of the 's, 't, 're, 've, 'm, 'll or 'd (any
// case) that s starts with after its apostrophe, or 0.
func contraction(s string) int {
	lower := func(i int) byte {
		if i < len(s) {
			return s[i] | 0x20 // ASCII letters only: others never match below
		}
		return 0
	}
	switch lower(0) {
	case 's', 't', 'm', 'd':
		return 1
	case 'r', 'v':
		if lower(1) == 'e' {
			return 2
		}
	case 'l':
		if lower(1) == 'l' {
			return 2
		}
	}
	return 0
}

// letters is the length of the run of letters s starts with.
func letters(s string) int {
	return run(s, unicode.IsLetter)
}

// run is the length of the run of runes s starts with that match is.
func run(s string, is func(rune) bool) int {
	for i, r := range s {
		if !is(r) {
			return i
		}
	}
	return len(s)
}

// symbols matches ` ?[^\s\p{L}\p{N}]+[\r\n]*` at the start of s and
// returns its length, or 0.
func symbols(s string) int {
	start := 0
	if s[0] == ' ' {
		start = 1
	}
	n := run(s[start:], func(r rune) bool { return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if n == 0 {
		return 0
	}
	end := start + n
	return end + run(s[end:], func(r rune) bool { return r == '\r' || r == '\n' })
}

// spaces matches `\s*[\r\n]+|\s+(?!\S)|\s+` at the start of s, which
// begins with white space (every other rune has matched an alternative
// before): up to and including the run's last line break if it has one;
// else the run less its last rune when a non-space follows it and it
// has more than one; else the whole run.
func spaces(s string) int {
	end := run(s, unicode.IsSpace)
	if end == 0 { // not white space after all: never for valid UTF-8
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	ws := s[:end]
	for i := len(ws) - 1; i >= 0; i-- {
		if ws[i] == '\r' || ws[i] == '\n' {
			return i + 1
		}
	}
	if end < len(s) {
		if _, last := utf8.DecodeLastRuneInString(ws); last < len(ws) {
			return end - last
		}
	}
	return end
}
