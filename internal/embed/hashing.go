package embed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"supportd/internal/text"
)

const (
	// MinHashingDimension is the smallest dimension NewHashing accepts;
	// below it, hash collisions drown the signal.
	MinHashingDimension = 64
	// MaxHashingDimension is the largest dimension NewHashing accepts: the
	// longest vector pgvector can index with HNSW.
	MaxHashingDimension = 2000
	// DefaultHashingDimension is the dimension New uses for the hashing
	// embedder. On the S10 set 512 and 768 score within noise of it while
	// costing more to store and index.
	DefaultHashingDimension = 384
)

// hashingVersion names the feature recipe. Bump it whenever a change would
// move any vector, so a knowledge base built by the old recipe is recognised
// as incompatible (the model name is part of its identity). v2 tokenizes,
// stems and filters stop words through internal/text.
const hashingVersion = "v2"

// hashConfig is the feature recipe of the hashing embedder. Only
// defaultHashConfig is reachable from outside the package; the other knobs
// exist so the S10 quality test can compare variants.
type hashConfig struct {
	dim int

	uniWeight  float64 // weight of the stemmed-word family
	biWeight   float64 // weight of the word-pair family
	charWeight float64 // weight of the character n-gram family
	charMin    int     // shortest character n-gram, boundary markers included
	charMax    int     // longest character n-gram

	stemmer    stemmer
	stopPrior  float64 // prior of a stop word; stop words form no pairs or n-grams
	digitPrior float64 // prior of an all-digit token
	shortPrior float64 // prior of a one- or two-letter token

	bigramBreak bool    // no word pairs across sentence or line boundaries
	tfPow       float64 // term frequency is damped to tf^tfPow

	seed uint64 // varies the hash for robustness checks; 0 in production
}

// defaultHashConfig is the recipe behind NewHashing, chosen on the S10
// manual set (see s10_test.go).
func defaultHashConfig(dim int) hashConfig {
	return hashConfig{
		dim:         dim,
		uniWeight:   1,
		biWeight:    1,
		charWeight:  1,
		charMin:     3,
		charMax:     5,
		stemmer:     stemLight,
		stopPrior:   0.1,
		digitPrior:  0.5,
		shortPrior:  0.5,
		bigramBreak: true,
		tfPow:       0.75,
	}
}

// Hashing is the built-in embedder: deterministic, network-free signed
// feature hashing of stemmed words, word pairs and character n-grams. See the
// package documentation for what it can and cannot match. It is safe for
// concurrent use.
type Hashing struct {
	cfg     hashConfig
	model   string
	scratch sync.Pool // *hashScratch, reused between calls to spare allocations
}

// NewHashing returns a hashing embedder producing vectors of length dim,
// which must lie between MinHashingDimension and MaxHashingDimension.
func NewHashing(dim int) (*Hashing, error) {
	if dim < MinHashingDimension || dim > MaxHashingDimension {
		return nil, fmt.Errorf("new hashing embedder: dimension %d outside [%d, %d]",
			dim, MinHashingDimension, MaxHashingDimension)
	}
	return newHashing(defaultHashConfig(dim), fmt.Sprintf("hash-%s-%d", hashingVersion, dim)), nil
}

func newHashing(cfg hashConfig, model string) *Hashing {
	h := &Hashing{cfg: cfg, model: model}
	h.scratch.New = func() any {
		return &hashScratch{feats: featureSet{index: make(map[uint64]int32, 1024)}}
	}
	return h
}

// Dimension returns the length of every vector h produces.
func (h *Hashing) Dimension() int { return h.cfg.dim }

// Model returns a name that encodes the recipe version and the dimension,
// such as "hash-v2-384".
func (h *Hashing) Model() string { return h.model }

// EmbedDocuments embeds each text, spread over every core (each vector
// depends on its text alone, so the split changes nothing). It fails only
// when ctx is done; a text with no words gets the same fixed unit vector as
// EmbedQuery does.
func (h *Hashing) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	// Texts are handed out in runs of 16 from a shared counter, so a core
	// that gets long texts does not hold the others up.
	const run = 16
	var next atomic.Int64
	var g errgroup.Group
	for range min(runtime.GOMAXPROCS(0), (len(texts)+run-1)/run) {
		g.Go(func() error {
			for {
				start := int(next.Add(run)) - run
				if start >= len(texts) {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("hash-embed documents: %w", err)
				}
				for i := start; i < min(start+run, len(texts)); i++ {
					out[i] = h.embed(texts[i])
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// EmbedQuery embeds a question exactly as a document is embedded. A text
// with no words (empty, blank, punctuation only) yields a fixed unit vector
// that is nearly orthogonal to every real text, so cosine stays defined and
// such a text matches nothing. It fails only when ctx is done.
func (h *Hashing) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hash-embed query: %w", err)
	}
	return h.embed(text), nil
}

// Feature families, mixed into the hash so equal strings in different
// families land in different places.
const (
	famUni = iota
	famBi
	famChar
	famEmpty
	numFamilies
)

// feature is one hashed feature of a text: its key, family, term frequency
// (a raw count until project dampens it) and the highest prior among the
// words that produced it.
type feature struct {
	key   uint64
	fam   uint8
	tf    float64
	prior float64
}

// featureSet accumulates the features of one text.
type featureSet struct {
	index map[uint64]int32 // key → position in list
	list  []feature
}

func (fs *featureSet) reset() {
	clear(fs.index)
	fs.list = fs.list[:0]
}

func (fs *featureSet) add(fam uint8, key uint64, prior float64) {
	if i, ok := fs.index[key]; ok {
		f := &fs.list[i]
		f.tf++
		f.prior = math.Max(f.prior, prior)
		return
	}
	fs.index[key] = int32(len(fs.list))
	fs.list = append(fs.list, feature{key: key, fam: fam, tf: 1, prior: prior})
}

// sorted returns the features in key order. Float addition is not
// associative, so summing in map or insertion order would let the last bits
// of a vector depend on things other than the set of features.
func (fs *featureSet) sorted() []feature {
	slices.SortFunc(fs.list, func(a, b feature) int { return cmp.Compare(a.key, b.key) })
	return fs.list
}

type hashScratch struct {
	tokens []token
	words  []text.Token
	feats  featureSet
	runes  []rune
}

func (h *Hashing) embed(txt string) []float32 {
	s := h.scratch.Get().(*hashScratch)
	defer h.scratch.Put(s)
	s.feats.reset()
	s.tokens, s.words = tokenize(s.tokens[:0], s.words, txt, &h.cfg)
	h.collect(s)

	v := make([]float32, h.cfg.dim)
	if len(s.feats.list) == 0 {
		idx, sign := h.slot(fnvString(familySeed(famEmpty), "\x00empty"))
		v[idx] = sign
		return v
	}
	h.project(s.feats.sorted(), v)
	return v
}

// collect turns tokens into features.
func (h *Hashing) collect(s *hashScratch) {
	cfg := &h.cfg
	var prev *token // previous content word, nil after a boundary
	for i := range s.tokens {
		t := &s.tokens[i]
		if cfg.bigramBreak && t.Break {
			prev = nil
		}
		if cfg.uniWeight > 0 {
			s.feats.add(famUni, fnvString(familySeed(famUni), t.stem), t.prior)
			if t.Join && i > 0 {
				// The compound as one word: "Wi-Fi" also counts as "wifi".
				k := fnvString(fnvString(familySeed(famUni), s.tokens[i-1].Word), t.stem)
				s.feats.add(famUni, k, 1)
			}
		}
		if t.stop {
			continue
		}
		if cfg.biWeight > 0 && prev != nil {
			k := fnvString(fnvByte(fnvString(familySeed(famBi), prev.stem), ' '), t.stem)
			s.feats.add(famBi, k, math.Min(prev.prior, t.prior))
		}
		prev = t
		if cfg.charWeight > 0 {
			s.runes = h.charGrams(&s.feats, s.runes, t)
		}
	}
}

// charGrams adds the character n-grams of t's word, framed by '<' and '>',
// and returns the rune buffer for reuse.
func (h *Hashing) charGrams(feats *featureSet, runes []rune, t *token) []rune {
	const maxRunes = 40 // longer "words" are codes or garbage
	runes = append(runes[:0], '<')
	for _, r := range t.Word {
		runes = append(runes, r)
	}
	runes = append(runes, '>')
	if len(runes) > maxRunes {
		runes = runes[:maxRunes]
	}
	seed := familySeed(famChar)
	for i := range runes {
		k := seed
		for j := i; j < len(runes) && j-i < h.cfg.charMax; j++ {
			k = fnvRune(k, runes[j])
			if j-i+1 >= h.cfg.charMin {
				feats.add(famChar, k, t.prior)
			}
		}
	}
	return runes
}

// project weighs the features, normalises each family to its configured
// share, hashes them into v and L2-normalises v.
func (h *Hashing) project(feats []feature, v []float32) {
	var sumsq [numFamilies]float64
	for i := range feats {
		f := &feats[i]
		f.tf = h.dampen(f.tf)
		sumsq[f.fam] += (f.tf * f.prior) * (f.tf * f.prior)
	}
	famWeight := [numFamilies]float64{h.cfg.uniWeight, h.cfg.biWeight, h.cfg.charWeight, 0}
	var scale [numFamilies]float64
	for fam := range scale {
		if sumsq[fam] > 0 {
			scale[fam] = famWeight[fam] / math.Sqrt(sumsq[fam])
		}
	}
	for _, f := range feats {
		idx, sign := h.slot(f.key)
		v[idx] += sign * float32(f.tf*f.prior*scale[f.fam])
	}
	normalize(v)
}

// dampen makes term frequency sublinear: a word said four times counts
// about three times as much as one said once, not four.
func (h *Hashing) dampen(tf float64) float64 {
	if tf == 1 {
		return 1
	}
	return math.Pow(tf, h.cfg.tfPow)
}

// slot maps a feature hash to a vector index and a sign. With random signs,
// colliding features cancel out in expectation instead of adding a positive
// bias to every inner product.
func (h *Hashing) slot(k uint64) (int, float32) {
	k = mix(k ^ h.cfg.seed)
	sign := float32(1)
	if k&1 == 1 {
		sign = -1
	}
	return int((k >> 1) % uint64(h.cfg.dim)), sign
}

func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func familySeed(fam uint8) uint64 { return fnvByte(fnvOffset, fam) }

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

func fnvRune(h uint64, r rune) uint64 {
	if r < utf8.RuneSelf {
		return fnvByte(h, byte(r))
	}
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	for _, c := range b[:n] {
		h = fnvByte(h, c)
	}
	return h
}

// mix is the 64-bit finaliser of MurmurHash3; FNV-1a's low bits alone are
// not well spread.
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
