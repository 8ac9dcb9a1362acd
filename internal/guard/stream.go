package guard

import (
	"errors"
	"unicode/utf8"
)

// ErrBlocked is returned by StreamFilter.Write and Close once the answer has
// been blocked; StreamFilter.Blocked says why.
var ErrBlocked = errors.New("guard: answer blocked by the output filter")

// errClosed is returned by Write after Close.
var errClosed = errors.New("guard: write to a closed stream filter")

// StreamFilter applies an OutputFilter to an answer that arrives in chunks.
// It passes text on to emit as soon as no leak completed by later chunks
// could reach back into it, and holds back the rest: at most the last
// letters of a possible canary (with whatever spacing sits between them),
// or the last PromptSpanWords−1 words that could begin a run of the
// prompt, plus a word cut off at the end of the chunk if it could still
// grow into a prompt word. For ordinary text that is usually nothing, or
// the last word. A StreamFilter is for one answer and one goroutine.
type StreamFilter struct {
	f    *OutputFilter
	emit func(string) error
	// pending is text received but not yet emitted.
	pending string
	// leak judges paraphrased leaks (scanLeak) as the answer grows. It
	// holds nothing back: a leak it finds stops the stream where it is
	// found, so what was already emitted is at most the few words before
	// the evidence was complete.
	leak leakScan
	// midWord says the text emitted so far ends inside a word, so the
	// rest of that word, at the start of pending, belongs to a word that
	// cannot be part of a leak.
	midWord bool
	reason  string
	err     error
	closed  bool
}

// Stream returns a StreamFilter that passes the clean text of an answer to
// emit, in order and unchanged: the concatenation of everything emitted is
// the concatenation of everything written, unless the answer is blocked.
func (f *OutputFilter) Stream(emit func(string) error) *StreamFilter {
	return &StreamFilter{f: f, emit: emit}
}

// Write adds chunk to the answer and emits what is safe to emit. Once the
// answer is blocked it emits nothing more and returns ErrBlocked; an error
// from emit is returned as is and ends the stream too.
func (s *StreamFilter) Write(chunk string) error {
	if err := s.state(); err != nil {
		return err
	}
	if s.closed {
		return errClosed
	}
	s.pending += chunk
	// Never split a rune: bytes of an incomplete one wait for the rest.
	complete := s.pending[:len(s.pending)-incompleteTail(s.pending)]
	reason, safe := s.f.scan(complete, false, s.midWord)
	if reason == "" {
		reason = s.leak.add(s.f, chunk)
	}
	if reason != "" {
		return s.block(reason)
	}
	return s.flush(safe)
}

// Close ends the answer: it checks the held-back text as complete and
// emits it if clean. It returns ErrBlocked if the answer was blocked.
// Calling it again does nothing more.
func (s *StreamFilter) Close() error {
	if err := s.state(); err != nil || s.closed {
		return err
	}
	s.closed = true
	// The leak checks judged the whole answer with its last chunk.
	reason, _ := s.f.scan(s.pending, true, s.midWord)
	if reason != "" {
		return s.block(reason)
	}
	return s.flush(len(s.pending))
}

// Blocked reports whether the answer was blocked, and why (one of the
// Block reasons).
func (s *StreamFilter) Blocked() (bool, string) { return s.reason != "", s.reason }

func (s *StreamFilter) state() error {
	switch {
	case s.reason != "":
		return ErrBlocked
	case s.err != nil:
		return s.err
	}
	return nil
}

func (s *StreamFilter) block(reason string) error {
	s.reason, s.pending = reason, ""
	return ErrBlocked
}

// flush emits the first n bytes of pending.
func (s *StreamFilter) flush(n int) error {
	if n == 0 {
		return nil
	}
	out := s.pending[:n]
	s.pending = s.pending[n:]
	if r, ok := lastVisible(out); ok {
		s.midWord = isWordRuneFolded(r)
	}
	if err := s.emit(out); err != nil {
		s.err = err
		return err
	}
	return nil
}

// incompleteTail returns how many bytes at the end of s are the start of
// a rune that has not been completed yet.
func incompleteTail(s string) int {
	for n := 1; n < utf8.UTFMax && n <= len(s); n++ {
		if utf8.RuneStart(s[len(s)-n]) {
			if utf8.FullRuneInString(s[len(s)-n:]) {
				return 0
			}
			return n
		}
	}
	return 0
}

// lastVisible returns the last rune of s that is not ignorable.
func lastVisible(s string) (rune, bool) {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		if !ignorable(r) {
			return r, true
		}
		s = s[:len(s)-size]
	}
	return 0, false
}

// isWordRuneFolded reports whether r folds to at least one letter or digit.
func isWordRuneFolded(r rune) bool {
	found := false
	foldEach(r, func(c rune) { found = found || isWordRune(c) })
	return found
}
