package ingest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"supportd/internal/core"
)

// File is one source file found by Discover.
type File struct {
	// Path is where to open the file: the root joined with its relative path.
	Path string
	// SourceURI is the file's path relative to its root, slash-separated
	// (for a root that is a file, its base name). Pass it to Load as name.
	SourceURI string
}

// Discover lists the supported source files under roots. A root that is a
// directory is walked recursively, skipping hidden files and directories
// (names starting with "."), files with unsupported extensions, and anything
// that is not a regular file or a symlink to one; symlinked directories are
// not followed. A root that is a file is taken as is, hidden or not, and must
// have a supported extension. The result is sorted by SourceURI.
//
// Errors are *core.Error: CodeNotFound for a missing root,
// CodeUnsupportedMedia for a file root of an unsupported type, CodeConflict
// when two roots yield the same SourceURI, and CodeInternal for other I/O
// failures.
func Discover(roots ...string) ([]File, error) {
	var files []File
	for _, root := range roots {
		found, err := discoverRoot(root)
		if err != nil {
			return nil, err
		}
		files = append(files, found...)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].SourceURI < files[j].SourceURI })
	for i := 1; i < len(files); i++ {
		if files[i].SourceURI == files[i-1].SourceURI {
			return nil, core.Errorf(core.CodeConflict, "%q is both %q and %q",
				files[i].SourceURI, files[i-1].Path, files[i].Path)
		}
	}
	return files, nil
}

// discoverRoot lists the files of one root.
func discoverRoot(root string) ([]File, error) {
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, core.Wrap(core.CodeNotFound, err, fmt.Sprintf("ingest root %q does not exist", root))
	}
	if err != nil {
		return nil, core.Wrap(core.CodeInternal, err, fmt.Sprintf("reading ingest root %q failed", root))
	}
	if !info.IsDir() {
		if !supported(root) {
			return nil, core.Errorf(core.CodeUnsupportedMedia, "%q: unsupported file type %q", root, filepath.Ext(root))
		}
		return []File{{Path: root, SourceURI: filepath.Base(root)}}, nil
	}
	return walkRoot(root)
}

// walkRoot lists the files under the directory root. A root that is itself
// a symlink is resolved first, since WalkDir does not follow one; Paths
// still start with root as given.
func walkRoot(root string) ([]File, error) {
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, core.Wrap(core.CodeInternal, err, fmt.Sprintf("reading ingest root %q failed", root))
	}
	var files []File
	err = filepath.WalkDir(resolved, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == resolved {
			return nil
		}
		rel, keep, err := visit(resolved, path, d)
		if keep {
			files = append(files, File{Path: filepath.Join(root, rel), SourceURI: filepath.ToSlash(rel)})
		}
		return err
	})
	if err != nil {
		return nil, core.Wrap(core.CodeInternal, err, fmt.Sprintf("walking ingest root %q failed", root))
	}
	return files, nil
}

// visit decides about one WalkDir entry below root: keep reports a file to
// list under rel, its path relative to root; err is fs.SkipDir for a hidden
// directory.
func visit(root, path string, d fs.DirEntry) (rel string, keep bool, err error) {
	hidden := strings.HasPrefix(d.Name(), ".")
	if d.IsDir() {
		if hidden {
			return "", false, fs.SkipDir
		}
		return "", false, nil
	}
	if hidden || !supported(path) || !isRegular(path, d) {
		return "", false, nil
	}
	rel, err = filepath.Rel(root, path)
	return rel, err == nil, err
}

// supported reports whether name has an extension Load reads.
func supported(name string) bool {
	_, ok := formatByExt(strings.ToLower(filepath.Ext(name)))
	return ok
}

// isRegular reports whether d is a regular file or a symlink to one.
func isRegular(path string, d fs.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
