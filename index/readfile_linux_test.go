package index

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenBeneath: openat2 takes what resolves beneath the tree, and leaves to the
// checked path what leaves it on the way (an absolute link, a ..), inside or not.
func TestOpenBeneath(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write(t, root, "a/plain.md", "x")
	secret := write(t, outside, "s.md", "s")
	symlink(t, "plain.md", filepath.Join(root, "a", "rel.md"))
	symlink(t, filepath.Join(root, "a", "plain.md"), filepath.Join(root, "abs.md"))
	symlink(t, secret, filepath.Join(root, "out.md"))
	symlink(t, "../"+filepath.Base(outside)+"/s.md", filepath.Join(root, "up.md"))
	tr := newTree(root)
	if tr.root < 0 {
		t.Skip("no openat2 here")
	}
	for rel, beneath := range map[string]bool{"a/plain.md": true, "a/rel.md": true, "abs.md": false, "out.md": false, "up.md": false} {
		f, ok, err := tr.openBeneath(filepath.Join(root, rel))
		if err != nil || ok != beneath {
			t.Errorf("%s: ok %v, err %v; want ok %v", rel, ok, err, beneath)
		}
		if f != nil {
			f.Close()
		}
	}
	// And through read: inside links read, outside ones refused.
	for rel, want := range map[string]bool{"a/rel.md": true, "abs.md": true, "out.md": false, "up.md": false} {
		_, _, err := tr.read(filepath.Join(root, rel), 100, 0, nil)
		if (err == nil) != want {
			t.Errorf("read %s: %v", rel, err)
		}
	}
}

// TestReadWorkspaceFileKeepsNoDescriptor: the folder's descriptor is closed with the call.
func TestReadWorkspaceFileKeepsNoDescriptor(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", "module x\n")
	count := func() int {
		es, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(es)
	}
	before := count()
	for range 200 {
		if _, _, err := ReadWorkspaceFile(root, "go.mod", MaxManifestSize); err != nil {
			t.Fatal(err)
		}
	}
	if after := count(); after > before+5 {
		t.Errorf("%d descriptors open after 200 reads, %d before", after, before)
	}
}
