package assistant

import (
	"supportd/internal/core"
	"supportd/internal/extract"
)

// standIn is the extractive answer, computed alongside the model call
// rather than after it fails (hedging): when the model misses its
// first-token deadline the help centre's answer is ready at once.
type standIn struct {
	done chan struct{}
	res  extract.Result
}

// hedge starts computing the extractive answer to w from passages.
func (a *Assistant) hedge(w *work, passages []core.Passage) *standIn {
	s := &standIn{done: make(chan struct{})}
	minConfidence := a.minConfidence(w.kb)
	go func() {
		defer close(s.done)
		s.res = a.d.Extractor.AnswerAt(w.focus, passages, minConfidence)
	}()
	return s
}

// result waits for the extractive answer.
func (s *standIn) result() extract.Result {
	<-s.done
	return s.res
}
