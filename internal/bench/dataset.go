package bench

import (
	"bufio"
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
	if err := readJSONL(filepath.Join(dir, prefix+questionsFile), &ds.Questions); err != nil {
		return ds, err
	}
	if len(ds.Sections) == 0 || len(ds.Questions) == 0 {
		return ds, fmt.Errorf("dataset %s has no sections or no questions", dir)
	}
	return ds, nil
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
