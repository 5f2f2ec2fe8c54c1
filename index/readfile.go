package index

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/airules/airules/rules"
)

// This file is the one way the index reads a file of a repository: rule files, the
// root .gitignore, and (through readWorkspaceFile) manifests and configuration. A
// repository is untrusted: any of these may be a link to /dev/zero, /dev/stdin or
// /etc/shadow, a FIFO, or a link that a process flips between an inside and an outside
// target while it is read. So the file is opened once, without blocking, and every
// check is made on the opened descriptor, never again on the path:
//
//   - fstat: only a regular file is read (errNotRegular otherwise);
//   - the descriptor's real path (Linux: /proc/self/fd/N; elsewhere the resolved path
//     checked to be the same file) must lie in the tree (errOutside otherwise);
//   - at most limit bytes are read (errTooLarge beyond).

// Limits of the files the index reads besides rule files (rules.MaxFileSize).
const (
	// MaxGitignoreSize bounds the root .gitignore; a larger one is not applied.
	MaxGitignoreSize = 256 << 10
	// MaxManifestSize bounds a manifest (mix.exs, package.json, go.mod) or a
	// configuration file.
	MaxManifestSize = 256 << 10
)

// The errors of a refused read, for errors.Is.
var (
	errNotRegular = errors.New("not a regular file")
	errOutside    = errors.New("resolves outside the folder it belongs to")
	errTooLarge   = errors.New("file too large")
)

// ErrNotRegular, ErrOutside and ErrTooLarge are the refusals of ReadWorkspaceFile.
var (
	ErrNotRegular = errNotRegular
	ErrOutside    = errOutside
	ErrTooLarge   = errTooLarge
)

// openHook, set by tests, fails the opening of the paths it returns an error for:
// failures a test running as root cannot provoke otherwise (EACCES, EIO).
var openHook func(name string) error

// openForRead opens a file (or folder) of a repository without blocking.
func openForRead(name string) (*os.File, error) {
	if openHook != nil {
		if err := openHook(name); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	return os.OpenFile(name, os.O_RDONLY|openFlags, 0)
}

// tree is a folder whose files may be read: the workspace, or the user rules folder.
type tree struct {
	dir  string // absolute and clean, as configured
	real string // dir with every link resolved; "" when it cannot be resolved
	root int    // descriptor of dir for openat2 (Linux), or -1
	// cleanup closes root once the tree is garbage (Linux).
	cleanup runtime.Cleanup
}

func newTree(dir string) *tree {
	t := &tree{dir: filepath.Clean(dir), root: -1}
	if real, err := filepath.EvalSymlinks(t.dir); err == nil {
		t.real = real
	}
	t.openRoot()
	return t
}

// open opens abs for reading; verified says the kernel already kept the resolution
// inside the tree (openat2's RESOLVE_BENEATH), so the descriptor needs no check.
func (t *tree) open(abs string) (*os.File, bool, error) {
	if openHook != nil {
		if err := openHook(abs); err != nil {
			return nil, false, &fs.PathError{Op: "open", Path: abs, Err: err}
		}
	}
	if f, ok, err := t.openBeneath(abs); ok || err != nil {
		return f, ok, err
	}
	f, err := openForRead(abs)
	return f, false, err
}

// contains reports whether real (a path with every link resolved) lies in the tree.
func (t *tree) contains(real string) bool {
	if t.real == "" {
		return false
	}
	return real == t.real || strings.HasPrefix(real, t.real+string(filepath.Separator)) ||
		(t.real == string(filepath.Separator) && strings.HasPrefix(real, t.real))
}

// read reads the file abs, which must be a regular file lying in the tree once every
// link is resolved, of at most limit bytes. buf, when not nil, is reused for the bytes
// (and grown); hint is the size the caller expects, to size the buffer in one go. The
// returned FileInfo is the opened file's, also with errTooLarge (its size says how
// large the file is).
func (t *tree) read(abs string, limit int64, hint int64, buf *[]byte) ([]byte, fs.FileInfo, error) {
	f, verified, err := t.open(abs)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, st, fmt.Errorf("%w (%s)", errNotRegular, fileKind(st.Mode()))
	}
	if !verified {
		real, err := descriptorPath(f, abs, st)
		if err != nil {
			return nil, st, err
		}
		if !t.contains(real) {
			return nil, st, fmt.Errorf("%w: %s is %s, not in %s", errOutside, abs, real, t.dir)
		}
	}
	if st.Size() > limit {
		return nil, st, fmt.Errorf("%w: %d bytes, over %d", errTooLarge, st.Size(), limit)
	}
	var local []byte
	if buf == nil {
		buf = &local
	}
	data, err := readCapped(f, limit, max(hint, st.Size()), buf)
	if err != nil {
		return nil, st, err
	}
	return data, st, nil
}

// readCapped reads the regular file r to its end into *buf, failing with errTooLarge
// past limit bytes. A regular file read short of the buffer has reached its end: that
// spares the final empty read (a system call per file, on 10,000 files).
func readCapped(r io.Reader, limit, hint int64, buf *[]byte) ([]byte, error) {
	want := int(min(hint, limit)) + 512 // room to notice growth
	if cap(*buf) < want {
		*buf = make([]byte, want)
	}
	b := (*buf)[:cap(*buf)]
	n := 0
	for {
		if n == len(b) {
			if int64(n) > limit {
				return nil, fmt.Errorf("%w: grew over %d bytes while read", errTooLarge, limit)
			}
			b = append(b, make([]byte, min(len(b), int(limit)+1))...)
			b = b[:cap(b)]
			*buf = b
		}
		m, err := r.Read(b[n:])
		n += m
		if int64(n) > limit {
			return nil, fmt.Errorf("%w: grew over %d bytes while read", errTooLarge, limit)
		}
		if err == io.EOF || (err == nil && (m == 0 || n < len(b))) {
			return b[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// descriptorPath is the real path of the opened file f (opened as abs, with stat st).
func descriptorPath(f *os.File, abs string, st fs.FileInfo) (string, error) {
	if p, ok := fdPath(f); ok {
		return p, nil
	}
	// Portable fallback: resolve the path, then make sure the descriptor is that file,
	// so a link flipped between the open and the resolution is caught.
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	rst, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !os.SameFile(st, rst) {
		return "", fmt.Errorf("%w: %s changed while it was opened", errOutside, abs)
	}
	return real, nil
}

// fileKind names a mode that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "mode " + m.String()
}

// ReadWorkspaceFile reads the file rel (slash-separated, relative to root) of the
// workspace root, as every reader of repository content must: a regular file only,
// never blocking, lying in root once links are resolved (as opened, not as checked
// before), of at most limit bytes. Refusals wrap ErrNotRegular, ErrOutside or
// ErrTooLarge; a missing file is fs.ErrNotExist. Use MaxManifestSize for manifests and
// configuration files, rules.MaxFileSize for rule files.
func ReadWorkspaceFile(root, rel string, limit int64) ([]byte, fs.FileInfo, error) {
	return readWorkspaceFile(root, rel, limit)
}

func readWorkspaceFile(root, rel string, limit int64) ([]byte, fs.FileInfo, error) {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	t := newTree(root)
	defer t.close()
	if abs != t.dir && !strings.HasPrefix(abs, t.dir+string(filepath.Separator)) {
		return nil, nil, fmt.Errorf("read %s: %w", rel, errOutside)
	}
	data, st, err := t.read(abs, limit, 0, nil)
	if err != nil {
		return nil, st, fmt.Errorf("read %s: %w", rel, err)
	}
	return data, st, nil
}

// readGone reports whether a read error means the file is no rule file any more (gone,
// replaced by something that is not a regular file, or a link now pointing outside),
// as opposed to a file that is there and cannot be read.
func readGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) || errors.Is(err, errOutside) ||
		errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP)
}

// read reads the rule file f into *buf (reused across files: the bytes are hashed and
// parsed, and rules.Parse keeps a string copy, never the slice).
func (f found) read(buf *[]byte) ([]byte, error) {
	if f.dirErr != nil {
		return nil, f.dirErr
	}
	t := f.tree
	if t == nil { // not found by a walk (tests): the file's own folder bounds it
		t = newTree(filepath.Dir(f.src.Path))
	}
	data, _, err := t.read(f.src.Path, rules.MaxFileSize, f.size, buf)
	return data, err
}

// refused turns a failed read into the rule that reports it, and reports whether it
// did: a file over the cap is AIR017, a file or folder that is there but cannot be read
// is AIR019. A file that is gone, or no longer a regular file inside its tree, is not
// refused: the caller drops it as it drops a deleted file.
func (j *job) refused(err error) bool {
	src := j.f.src
	var r *rules.Rule
	switch {
	case j.f.dirErr == nil && readGone(err):
		return false
	case errors.Is(err, errTooLarge):
		size := j.f.size
		if size <= rules.MaxFileSize {
			size = rules.MaxFileSize + 1 // grew while read
		}
		r = tooLarge(src, size)
	default:
		what := "file"
		if j.f.dirErr != nil {
			what = "folder"
		}
		r = problemRule(src, rules.Unreadable(what, err))
		// Read again next time, whatever the stamp: permissions change without mtime.
		j.f.mtime = -1
	}
	j.rule, j.hash = r, r.Hash
	j.same = j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.rule.Source == src
	return true
}

// problemRule is the rule of a file that was not parsed, holding only the problem that
// says why.
func problemRule(src rules.Source, p rules.Problem) *rules.Rule {
	r := &rules.Rule{Source: src, Status: rules.StatusActive}
	r.Restore(nil, -1)
	r.Problems = []rules.Problem{p}
	sum := sha256.Sum256([]byte(string(p.Code) + ": " + p.Message))
	r.Hash = hex.EncodeToString(sum[:])
	return r
}
