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

// Skip is a file or folder that Scan left out, and why.
type Skip struct {
	Path      string
	SourceURI string // relative to its root, slash-separated
	Reason    string // e.g. `unsupported file type ".bin"`, "hidden folder"
}

// Found is what Scan found: the files to ingest and what it left out, each
// sorted by SourceURI.
type Found struct {
	Files   []File
	Skipped []Skip
}

// Discover lists the supported source files under roots; see Scan, which
// also says what it left out.
func Discover(roots ...string) ([]File, error) {
	found, err := Scan(roots...)
	return found.Files, err
}

// Scan lists the supported source files under roots. A root that is a
// directory is walked recursively, skipping hidden files and directories
// (names starting with "."), files with unsupported extensions, and anything
// that is not a regular file or a symlink to one; symlinked directories are
// not followed. Every such file and folder is listed in Skipped with its
// reason (a hidden folder once, not its contents). A root that is a file is
// taken as is, hidden or not, and must have a supported extension.
//
// Errors are *core.Error: CodeNotFound for a missing root,
// CodeUnsupportedMedia for a file root of an unsupported type, CodeConflict
// when two roots yield the same SourceURI, and CodeInternal for other I/O
// failures.
func Scan(roots ...string) (Found, error) {
	var all Found
	for _, root := range roots {
		found, err := scanRoot(root)
		if err != nil {
			return Found{}, err
		}
		all.Files = append(all.Files, found.Files...)
		all.Skipped = append(all.Skipped, found.Skipped...)
	}
	files := all.Files
	sort.Slice(files, func(i, j int) bool { return files[i].SourceURI < files[j].SourceURI })
	sort.Slice(all.Skipped, func(i, j int) bool { return all.Skipped[i].SourceURI < all.Skipped[j].SourceURI })
	for i := 1; i < len(files); i++ {
		if files[i].SourceURI == files[i-1].SourceURI {
			return Found{}, core.Errorf(core.CodeConflict, "%q is both %q and %q",
				files[i].SourceURI, files[i-1].Path, files[i].Path)
		}
	}
	return all, nil
}

// scanRoot lists the files of one root.
func scanRoot(root string) (Found, error) {
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return Found{}, core.Wrap(core.CodeNotFound, err, fmt.Sprintf("ingest root %q does not exist", root))
	}
	if err != nil {
		return Found{}, core.Wrap(core.CodeInternal, err, fmt.Sprintf("reading ingest root %q failed", root))
	}
	if !info.IsDir() {
		if !supported(root) {
			return Found{}, core.Errorf(core.CodeUnsupportedMedia, "%q: unsupported file type %q", root, filepath.Ext(root))
		}
		return Found{Files: []File{{Path: root, SourceURI: filepath.Base(root)}}}, nil
	}
	return walkRoot(root)
}

// walkRoot lists the files under the directory root. A root that is itself
// a symlink is resolved first, since WalkDir does not follow one; Paths
// still start with root as given.
func walkRoot(root string) (Found, error) {
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return Found{}, core.Wrap(core.CodeInternal, err, fmt.Sprintf("reading ingest root %q failed", root))
	}
	var found Found
	err = filepath.WalkDir(resolved, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == resolved {
			return nil
		}
		rel, err := filepath.Rel(resolved, path)
		if err != nil {
			return err
		}
		where := filepath.Join(root, rel)
		why, err := visit(path, d)
		if why == "" && !d.IsDir() {
			found.Files = append(found.Files, File{Path: where, SourceURI: filepath.ToSlash(rel)})
		}
		if why != "" {
			found.Skipped = append(found.Skipped, Skip{Path: where, SourceURI: filepath.ToSlash(rel), Reason: why})
		}
		return err
	})
	if err != nil {
		return Found{}, core.Wrap(core.CodeInternal, err, fmt.Sprintf("walking ingest root %q failed", root))
	}
	return found, nil
}

// visit decides about one WalkDir entry: why it is left out ("" to keep a
// file or walk a folder); err is fs.SkipDir for a hidden folder.
func visit(path string, d fs.DirEntry) (why string, err error) {
	hidden := strings.HasPrefix(d.Name(), ".")
	switch {
	case d.IsDir() && hidden:
		return "hidden folder", fs.SkipDir
	case d.IsDir():
		return "", nil
	case hidden:
		return "hidden file", nil
	case d.Type()&fs.ModeSymlink != 0:
		return symlinkReason(path), nil
	case !d.Type().IsRegular():
		return "not a regular file", nil
	}
	return unsupportedReason(path), nil
}

// symlinkReason says why a symlink is left out, or "" for a link to a
// supported regular file.
func symlinkReason(path string) string {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return "broken symbolic link"
	case info.IsDir():
		return "symbolic link to a folder (not followed)"
	case !info.Mode().IsRegular():
		return "not a regular file"
	}
	return unsupportedReason(path)
}

// unsupportedReason says why Load cannot read a file named path by its
// extension, or "" when it can.
func unsupportedReason(path string) string {
	ext := filepath.Ext(path)
	switch {
	case ext == "":
		return "no file extension"
	case !supported(path):
		return fmt.Sprintf("unsupported file type %q", strings.ToLower(ext))
	}
	return ""
}

// supported reports whether name has an extension Load reads.
func supported(name string) bool {
	_, ok := formatByExt(strings.ToLower(filepath.Ext(name)))
	return ok
}
