package eval

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// BaselineFileName is the file beside a golden set that may pin its
// baseline run: a run id alone on a line; blank lines and lines starting
// with # are skipped.
const BaselineFileName = "baseline"

// BaselineFile returns the run id pinned by the baseline file beside the
// golden set at goldenPath, or "" when there is no such file. A file that
// names no run, or something else than one run id, is an error.
func BaselineFile(goldenPath string) (string, error) {
	path := filepath.Join(filepath.Dir(goldenPath), BaselineFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read baseline file: %w", err)
	}
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	if len(ids) != 1 {
		return "", fmt.Errorf("%s: want one run id, found %d lines", path, len(ids))
	}
	if n, err := strconv.ParseInt(ids[0], 10, 64); err != nil || n <= 0 {
		return "", fmt.Errorf("%s: %q is not a run id", path, ids[0])
	}
	return ids[0], nil
}

// BaselineSpec turns a --baseline value (or a scheduled job's) into what
// [Runner.Baseline] resolves: "pinned" becomes the run named in the golden
// set's baseline file when there is one; "none" compares with nothing; a
// run id stays itself.
func BaselineSpec(value, goldenPath string) (string, error) {
	switch value {
	case "none", BaselineNone:
		return BaselineNone, nil
	case BaselinePinned:
		id, err := BaselineFile(goldenPath)
		if err != nil || id == "" {
			return BaselinePinned, err
		}
		return id, nil
	}
	return value, nil
}
