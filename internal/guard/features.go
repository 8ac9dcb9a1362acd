package guard

import (
	"math"
	"slices"
	"strings"
	"unicode"
)

// Feature hashing for the statistical layer of the Detector. A text is read
// in its folded view (see views: NFKC, case, diacritics, look-alikes and
// leetspeak undone) and described by
//   - character n-grams of lengths minCharGram..maxCharGram over the text
//     with white space collapsed (they survive typos, inflection, and words
//     the training data never spelled that way);
//   - word unigrams and bigrams (they carry phrases such as "previous
//     instructions" across languages that split words on spaces).
//
// Each feature is hashed into one of 2^bits buckets with a hash-derived
// sign, so colliding features tend to cancel instead of adding up. Presence
// counts, not frequency, and the vector is scaled to unit length so that
// a long text does not score high just by being long.
const (
	minCharGram = 3
	maxCharGram = 5
)

// featureVec is a sparse, unit-length feature vector.
type featureVec struct {
	idx []uint32
	val []float32
}

// featurize returns the hashed features of text for a model of 2^bits
// buckets.
func featurize(text string, bits uint) featureVec {
	return featurizeFolded(makeViews(text).folded, bits)
}

// FNV-1a, computed in place so that hashing a feature allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

// featurizeFolded returns the hashed features of a text already in its
// folded view.
func featurizeFolded(folded string, bits uint) featureVec {
	mask := uint64(1)<<bits - 1
	// Each feature is packed as bucket<<1 | sign, so sorting groups the
	// repeats of a bucket; presence counts, so a repeat counts once.
	var keys []uint64
	add := func(h uint64) {
		keys = append(keys, (h&mask)<<1|h>>63)
	}
	s := " " + strings.Join(strings.Fields(folded), " ") + " "
	var starts []int // byte offset of each rune of s
	for i := range s {
		starts = append(starts, i)
	}
	starts = append(starts, len(s))
	for i := 0; i+minCharGram < len(starts); i++ {
		h := fnvByte(fnvOffset, 'c')
		for n := 1; n <= maxCharGram && i+n < len(starts); n++ {
			h = fnvString(h, s[starts[i+n-1]:starts[i+n]])
			if n >= minCharGram {
				add(h)
			}
		}
	}
	prev := ""
	for w := range strings.FieldsFuncSeq(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		add(fnvString(fnvByte(fnvOffset, 'w'), w))
		if prev != "" {
			add(fnvString(fnvByte(fnvString(fnvByte(fnvOffset, 'b'), prev), ' '), w))
		}
		prev = w
	}
	slices.Sort(keys)
	keys = slices.CompactFunc(keys, func(a, b uint64) bool { return a>>1 == b>>1 })
	fv := featureVec{idx: make([]uint32, len(keys)), val: make([]float32, len(keys))}
	if len(keys) == 0 {
		return fv
	}
	// Every value is ±1, so the norm is the square root of the count.
	scale := float32(1 / math.Sqrt(float64(len(keys))))
	for i, k := range keys {
		fv.idx[i] = uint32(k >> 1)
		fv.val[i] = scale
		if k&1 == 1 {
			fv.val[i] = -scale
		}
	}
	return fv
}
