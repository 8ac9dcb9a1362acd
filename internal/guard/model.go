package guard

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// detectorModel is the statistical layer's weights, written by
// `make detector-model` (internal/guard/train) from testdata/train.
//
//go:embed detector_model.bin.gz
var detectorModel []byte

// modelMagic starts every encoded Model.
const modelMagic = "SDM1"

// windowRunes is the size of the windows a long text is scored in, so that
// an instruction pasted into the middle of a long bug report is scored on
// its own and not averaged away by the report around it.
const windowRunes = 200

// Model is the statistical layer of the Detector: a logistic regression
// over hashed character n-grams and word uni- and bigrams (see featurize),
// with 8-bit weights. Its bias is shifted at training time so that a
// probability of 0.5 is the operating point chosen on held-out folds (see
// TrainParams.TargetFPR). A Model is immutable and safe for concurrent use.
type Model struct {
	bits  uint
	bias  float32
	scale float32 // weight of one quantisation step
	w     []int8
}

// LoadModel decodes a Model written by Model.MarshalBinary.
func LoadModel(data []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read detector model: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 1<<26))
	if err != nil {
		return nil, fmt.Errorf("read detector model: %w", err)
	}
	const header = len(modelMagic) + 1 + 4 + 4
	if len(raw) < header || string(raw[:len(modelMagic)]) != modelMagic {
		return nil, errors.New("read detector model: not a detector model")
	}
	m := &Model{bits: uint(raw[4])}
	if m.bits < 8 || m.bits > 24 {
		return nil, fmt.Errorf("read detector model: %d hash bits out of range", m.bits)
	}
	m.bias = math.Float32frombits(binary.LittleEndian.Uint32(raw[5:]))
	m.scale = math.Float32frombits(binary.LittleEndian.Uint32(raw[9:]))
	if len(raw) != header+1<<m.bits {
		return nil, fmt.Errorf("read detector model: %d weight bytes, want %d", len(raw)-header, 1<<m.bits)
	}
	m.w = make([]int8, 1<<m.bits)
	for i, b := range raw[header:] {
		m.w[i] = int8(b)
	}
	return m, nil
}

// MarshalBinary encodes m (gzip-compressed: most buckets are zero).
func (m *Model) MarshalBinary() ([]byte, error) {
	raw := make([]byte, 0, 13+len(m.w))
	raw = append(raw, modelMagic...)
	raw = append(raw, byte(m.bits))
	raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(m.bias))
	raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(m.scale))
	for _, x := range m.w {
		raw = append(raw, byte(x))
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Score returns the model's probability that text is a prompt-injection
// attempt: the highest over the whole text and, for a long text, over each
// window of about windowRunes runes, so every part of a message is scored.
// A text with nothing to score (empty, only spaces) gets 0.
func (m *Model) Score(text string) float64 {
	folded := makeViews(text).folded
	best := m.prob(folded)
	if utf8.RuneCountInString(folded) > windowRunes {
		for _, w := range windows(folded, windowRunes) {
			best = max(best, m.prob(w))
		}
	}
	return best
}

// prob is the model's probability for a folded text. A text of fewer
// than minModelWords words ("ok", "hi", "Hello?", or nothing at all) has
// too little for the model to read and gets 0: with so few features its
// score is mostly the bias, which the operating point shifts toward
// flagging. The rules still score such a text.
func (m *Model) prob(folded string) float64 {
	if countWords(folded) < minModelWords {
		return 0
	}
	fv := featurizeFolded(folded, m.bits)
	return sigmoid(m.logit(fv))
}

// minModelWords is the fewest words a text needs for the model to score it.
const minModelWords = 2

// countWords counts the runs of letters and digits in s, stopping at
// minModelWords.
func countWords(s string) int {
	n := 0
	for range strings.FieldsFuncSeq(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		n++
		if n == minModelWords {
			break
		}
	}
	return n
}

func (m *Model) logit(fv featureVec) float64 {
	var sum float32
	for i, k := range fv.idx {
		sum += float32(m.w[k]) * fv.val[i]
	}
	return float64(m.bias + m.scale*sum)
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// windows cuts text into pieces of at most size runes along line and
// sentence ends, consecutive pieces sharing one segment so a sentence cut
// at a window's edge is whole in the next. A segment longer than size is
// cut at size.
func windows(text string, size int) []string {
	size = max(size, 1)
	var segs []string
	for _, line := range strings.Split(text, "\n") {
		for len(line) > 0 {
			end := sentenceEnd(line)
			seg := line[:end]
			line = line[end:]
			for utf8.RuneCountInString(seg) > size {
				cut := runeOffset(seg, size)
				segs = append(segs, seg[:cut])
				seg = seg[cut:]
			}
			if strings.TrimSpace(seg) != "" {
				segs = append(segs, seg)
			}
		}
	}
	var out []string
	for i := 0; i < len(segs); {
		n, j := 0, i
		for j < len(segs) && (j == i || n+utf8.RuneCountInString(segs[j]) <= size) {
			n += utf8.RuneCountInString(segs[j])
			j++
		}
		out = append(out, strings.Join(segs[i:j], "\n"))
		if j == len(segs) {
			break
		}
		i = max(i+1, j-1)
	}
	return out
}

// sentenceEnd returns the byte offset just past the first sentence of s
// (".", "!", "?" or "。" followed by a space or the end), or len(s).
func sentenceEnd(s string) int {
	for i, r := range s {
		if r == '.' || r == '!' || r == '?' || r == '。' || r == '！' || r == '？' {
			j := i + utf8.RuneLen(r)
			if j == len(s) || s[j] == ' ' || r >= 0x3000 {
				return j
			}
		}
	}
	return len(s)
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
