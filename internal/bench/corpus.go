package bench

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntheticVersion names the generator's recipe. It is part of the marker
// that lets a retrieval benchmark reuse a seeded knowledge base, so bump it
// whenever a change would alter the text generated for a seed.
const SyntheticVersion = "synthetic-v1"

// SyntheticParams describes a synthetic help centre.
type SyntheticParams struct {
	Seed uint64
	// Chunks is how many chunks the corpus should make. Sections are sized
	// against ChunkTokens so that each makes a known number of chunks.
	Chunks int
	// ChunkTokens is the chunker's size limit; default 300.
	ChunkTokens int
	// Tokens counts tokens the way the chunker does (Chunker.CountTokens);
	// nil estimates one token per four bytes, which sizes sections less
	// exactly.
	Tokens func(string) int
}

// Corpus is a generated help centre.
type Corpus struct {
	Articles []Article
	// Chunks is how many chunks the articles should make with a chunker
	// of the size they were generated for.
	Chunks int
	// Tokens is the estimated token count of all section bodies.
	Tokens int
}

// Article is one help-centre page: a title and headed sections.
type Article struct {
	URI      string // relative path, such as "billing/article-00042.md"
	Title    string
	Sections []Section
}

// Section is one headed part of an article.
type Section struct {
	Heading    string
	Paragraphs []string
	Chunks     int // how many chunks the section should make
}

// Markdown renders the article as the file an author would write.
func (a Article) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", a.Title)
	for _, s := range a.Sections {
		fmt.Fprintf(&b, "\n## %s\n", s.Heading)
		for _, p := range s.Paragraphs {
			b.WriteString("\n")
			b.WriteString(p)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// WriteFiles writes each article's Markdown under dir.
func (c Corpus) WriteFiles(dir string) error {
	for _, a := range c.Articles {
		path := filepath.Join(dir, filepath.FromSlash(a.URI))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("write synthetic corpus: %w", err)
		}
		if err := os.WriteFile(path, []byte(a.Markdown()), 0o644); err != nil {
			return fmt.Errorf("write synthetic corpus: %w", err)
		}
	}
	return nil
}

// Synthetic generates a help centre deterministically from p.Seed: articles
// of three to eight headed sections of pseudo-English sentences. Words are
// drawn from a fixed vocabulary with a Zipf distribution (function words
// most often, a long tail of rare pseudo-words), and one word in ten is one
// of the article's own topic terms (its product name, a few nouns and rare
// words), so articles differ from each other the way real pages do.
//
// Three sections in four fit one chunk (1–3 paragraphs, 66–95% of the
// chunk size together); the rest hold two or three paragraphs of 62–93% of
// the chunk size each, which the chunker must put in separate chunks.
// Articles are added until the expected chunk count reaches p.Chunks.
func Synthetic(p SyntheticParams) Corpus {
	g := newGenerator(p)
	var c Corpus
	for c.Chunks < p.Chunks {
		a := g.article(len(c.Articles))
		for _, s := range a.Sections {
			c.Chunks += s.Chunks
		}
		c.Articles = append(c.Articles, a)
	}
	c.Tokens = g.tokens
	return c
}

// Text forms of a term, each with its own token cost.
const (
	formInner     = iota // " word", inside a sentence
	formSentence         // " Word", starting a sentence after another
	formParagraph        // "Word", starting a paragraph
	numForms
)

// term is a word or multi-word name with its token cost in each form,
// counted on first use (0 until then).
type term struct {
	text string
	cost [numForms]int
}

// generator holds the state of one Synthetic call.
type generator struct {
	r        *rand.Rand
	zipf     *rand.Zipf
	count    func(string) int
	vocab    []term
	tail     []term
	nouns    []term
	products []term
	size     int
	tokens   int
}

func newGenerator(p SyntheticParams) *generator {
	v := newVocabulary()
	g := &generator{
		r:     rand.New(rand.NewPCG(p.Seed, 0xbe7c)),
		count: p.Tokens,
		size:  cmp.Or(p.ChunkTokens, 300),
	}
	if g.count == nil {
		g.count = func(s string) int { return max(1, (len(s)+3)/4) }
	}
	g.vocab = make([]term, len(v.words))
	for i, w := range v.words {
		g.vocab[i] = term{text: w}
	}
	g.tail = g.vocab[len(g.vocab)-tailWords:]
	for _, w := range helpNouns {
		g.nouns = append(g.nouns, term{text: w})
	}
	// Forty products, named by a capitalised rare word and a feature noun.
	for i := range 40 {
		brand := capitalize(v.tail()[i*37%tailWords])
		g.products = append(g.products, term{text: brand + " " + productNouns[i%len(productNouns)]})
	}
	g.zipf = rand.NewZipf(g.r, 1.1, 1, uint64(len(g.vocab)-1))
	return g
}

// write appends t in form to b and returns its token cost. Costs are
// counted once per term and form: counting every sentence would cost as
// much as chunking the corpus.
func (g *generator) write(b *strings.Builder, t *term, form int) int {
	text := t.text
	switch form {
	case formInner:
		text = " " + text
	case formSentence:
		text = " " + capitalize(text)
	default:
		text = capitalize(text)
	}
	b.WriteString(text)
	if t.cost[form] == 0 {
		t.cost[form] = max(g.count(text), 1)
	}
	return t.cost[form]
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// topic is what one article is about.
type topic struct {
	product *term
	terms   []*term
}

func (g *generator) article(n int) Article {
	tp := topic{product: &g.products[g.r.IntN(len(g.products))]}
	tp.terms = append(tp.terms, tp.product)
	for range 3 {
		tp.terms = append(tp.terms, &g.nouns[g.r.IntN(len(g.nouns))])
	}
	for range 4 {
		tp.terms = append(tp.terms, &g.tail[g.r.IntN(len(g.tail))])
	}
	a := Article{
		URI:   fmt.Sprintf("%s/article-%05d.md", categories[g.r.IntN(len(categories))], n),
		Title: g.title(tp),
	}
	for range 3 + g.r.IntN(6) {
		a.Sections = append(a.Sections, g.section(tp))
	}
	return a
}

func (g *generator) title(tp topic) string {
	noun := g.pick(helpNouns)
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("How to %s your %s in %s", g.pick(helpVerbs), noun, tp.product.text)
	case 1:
		return fmt.Sprintf("%s %s %s", tp.product.text, g.pick(helpAdjectives), noun)
	case 2:
		return fmt.Sprintf("Troubleshooting %s %s", tp.product.text, noun)
	default:
		return fmt.Sprintf("%s and %s in %s", capitalize(noun), g.pick(helpNouns), tp.product.text)
	}
}

func (g *generator) heading(tp topic) string {
	switch g.r.IntN(5) {
	case 0:
		return fmt.Sprintf("%s the %s", capitalize(g.pick(helpVerbs)), g.pick(helpNouns))
	case 1:
		return fmt.Sprintf("%s %s", capitalize(g.pick(helpAdjectives)), g.pick(helpNouns))
	case 2:
		return fmt.Sprintf("About %s %s", tp.terms[4+g.r.IntN(4)].text, g.pick(helpNouns))
	case 3:
		return fmt.Sprintf("When %s does not %s", tp.product.text, g.pick(helpVerbs))
	default:
		return fmt.Sprintf("Limits and %s", g.pick(helpNouns))
	}
}

func (g *generator) pick(words []string) string { return words[g.r.IntN(len(words))] }

// section generates one section of one chunk (three in four) or of two or
// three chunks. Budgets are fractions of the chunk size with a margin for
// the estimate and the paragraph separators.
func (g *generator) section(tp topic) Section {
	s := Section{Heading: g.heading(tp)}
	if g.r.IntN(4) == 0 {
		s.Chunks = 2 + g.r.IntN(2)
		for range s.Chunks {
			target := g.size * (62 + g.r.IntN(27)) / 100
			s.Paragraphs = append(s.Paragraphs, g.paragraph(tp, target, g.size*93/100))
		}
		return s
	}
	s.Chunks = 1
	target := g.size * (66 + g.r.IntN(28)) / 100
	budget := g.size * 95 / 100
	k := 1 + g.r.IntN(3)
	for i := range k {
		share := target / k
		if i == k-1 {
			share = target - target/k*(k-1)
		}
		before := g.tokens
		if p := g.paragraph(tp, share, budget); p != "" {
			s.Paragraphs = append(s.Paragraphs, p)
		}
		budget -= g.tokens - before + 1 // the separator
	}
	return s
}

// paragraph adds sentences while it is under target tokens and the next
// sentence keeps it within limit.
func (g *generator) paragraph(tp topic, target, limit int) string {
	var b strings.Builder
	n := 0
	for n < target {
		s, cost := g.sentence(tp, n == 0)
		if n+cost > limit {
			break
		}
		b.WriteString(s)
		n += cost
	}
	g.tokens += n
	return b.String()
}

// sentence returns 6–18 words ending in a full stop, and its token cost.
func (g *generator) sentence(tp topic, first bool) (string, int) {
	var b strings.Builder
	cost := 1 // the full stop
	for i := range 6 + g.r.IntN(13) {
		form := formInner
		switch {
		case i == 0 && first:
			form = formParagraph
		case i == 0:
			form = formSentence
		}
		cost += g.write(&b, g.word(tp), form)
	}
	b.WriteByte('.')
	return b.String(), cost
}

// word draws one of the article's topic terms one time in ten, otherwise a
// vocabulary word by Zipf rank.
func (g *generator) word(tp topic) *term {
	if g.r.IntN(10) == 0 {
		return tp.terms[g.r.IntN(len(tp.terms))]
	}
	return &g.vocab[g.zipf.Uint64()]
}
