package guard

import (
	"hash/fnv"
	"maps"
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
	v := makeViews(text)
	s := " " + strings.Join(strings.Fields(v.folded), " ") + " "
	mask := uint64(1)<<bits - 1
	acc := map[uint32]float32{}
	add := func(kind byte, gram string) {
		h := fnv.New64a()
		h.Write([]byte{kind})
		h.Write([]byte(gram))
		x := h.Sum64()
		sign := float32(1)
		if x>>63 == 1 {
			sign = -1
		}
		acc[uint32(x&mask)] = sign // presence: a repeated feature counts once
	}
	rs := []rune(s)
	for n := minCharGram; n <= maxCharGram; n++ {
		for i := 0; i+n <= len(rs); i++ {
			add('c', string(rs[i:i+n]))
		}
	}
	words := strings.FieldsFunc(v.folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		add('w', w)
		if i > 0 {
			add('b', words[i-1]+" "+w)
		}
	}
	// Sorted, so that sums over the vector run in one order and the same
	// text always gets the same float.
	fv := featureVec{idx: slices.Sorted(maps.Keys(acc))}
	fv.val = make([]float32, len(fv.idx))
	for i, k := range fv.idx {
		fv.val[i] = acc[k]
	}
	if len(acc) > 0 {
		// Every value is ±1, so the norm is the square root of the count.
		scale := float32(1 / math.Sqrt(float64(len(acc))))
		for i := range fv.val {
			fv.val[i] *= scale
		}
	}
	return fv
}
