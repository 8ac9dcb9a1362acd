package eval

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files of a quality dataset: corpus.jsonl and qa.jsonl, or the same
// names with a "s10_" prefix as the S10 e-manual set has them.
const (
	corpusFile    = "corpus.jsonl"
	questionsFile = "qa.jsonl"
	s10Prefix     = "s10_"
)

// ErrNoDataset means the dataset folder does not exist; the quality
// benchmark is then skipped rather than failed, because the product must
// not need the dataset.
var ErrNoDataset = errors.New("dataset not found")

// Dataset is a retrieval test set: sections to ingest and questions whose
// answers lie in known sections.
type Dataset struct {
	Sections  []DatasetSection
	Questions []DatasetQuestion
	// questionsPath is the file the questions came from.
	questionsPath string
}

// DatasetSection is one section, ingested as one document.
type DatasetSection struct {
	DocID string `json:"doc_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// DatasetQuestion is one question; retrieving any of its candidate sections
// is a hit.
type DatasetQuestion struct {
	QID        string   `json:"qid"`
	Question   string   `json:"question"`
	Answer     string   `json:"answer"`
	Candidates []string `json:"candidate_section_ids"`
}

// LoadDataset reads the dataset in dir: corpus.jsonl and qa.jsonl, or
// s10_corpus.jsonl and s10_qa.jsonl when dir has no corpus.jsonl. A missing
// dir is ErrNoDataset; a dir without the files, or with malformed lines, is
// an ordinary error.
func LoadDataset(dir string) (Dataset, error) {
	var ds Dataset
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return ds, fmt.Errorf("%w at %s", ErrNoDataset, dir)
	}
	prefix := ""
	if _, err := os.Stat(filepath.Join(dir, corpusFile)); errors.Is(err, fs.ErrNotExist) {
		prefix = s10Prefix
	}
	if err := readJSONL(filepath.Join(dir, prefix+corpusFile), &ds.Sections); err != nil {
		return ds, err
	}
	ds.questionsPath = filepath.Join(dir, prefix+questionsFile)
	if err := readJSONL(ds.questionsPath, &ds.Questions); err != nil {
		return ds, err
	}
	if len(ds.Sections) == 0 || len(ds.Questions) == 0 {
		return ds, fmt.Errorf("dataset %s has no sections or no questions", dir)
	}
	return ds, nil
}

// DatasetGolden reads the questions of the dataset in dir (see
// LoadDataset) as a golden set: each question a case with its answer as the
// reference, its candidate sections as the expected sources (the
// knowledge base must hold the sections under their doc_id, as `supportd
// bench quality` ingests them), no required facts, and the dataset's
// folder name as its tag. The set's hash is of the questions file.
func DatasetGolden(dir string) (GoldenSet, error) {
	ds, err := LoadDataset(dir)
	if err != nil {
		return GoldenSet{}, err
	}
	tag := filepath.Base(filepath.Clean(dir))
	set := GoldenSet{Path: dir}
	for _, q := range ds.Questions {
		set.Cases = append(set.Cases, Case{ID: q.QID, Question: q.Question, ReferenceAnswer: q.Answer,
			RequiredFacts: []string{}, ExpectedSources: q.Candidates, Tags: []string{tag}})
	}
	data, err := os.ReadFile(ds.questionsPath)
	if err != nil {
		return GoldenSet{}, fmt.Errorf("read dataset: %w", err)
	}
	sum := sha256.Sum256(data)
	set.Hash = hex.EncodeToString(sum[:])
	return set, nil
}

func readJSONL[T any](path string, out *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read dataset: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("read dataset: %s line %d: %w", path, line, err)
		}
		*out = append(*out, v)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read dataset: %s: %w", path, err)
	}
	return nil
}
