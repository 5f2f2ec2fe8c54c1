package rules

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, seeded with every rule file under
// testdata/. Parse must not panic, and every range it reports must make sense.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../testdata/diagnostics/*.md", "../testdata/example/.ai-rules/*/*.md", "../testdata/example/.ai-rules/*/*/*.md"} {
		seeds, _ := filepath.Glob(pattern)
		for _, s := range seeds {
			if data, err := os.ReadFile(s); err == nil && len(data) < 64<<10 {
				f.Add(data, uint8(0))
			}
		}
	}
	f.Add([]byte("---\nglobs: *.ts, {a,b}/*.tsx\n---\n"), uint8(1))
	f.Add([]byte("---\napplyTo: \"**/*.go\"\n---\nx"), uint8(3))
	formats := Formats
	for i, fm := range formats {
		seeds, _ := filepath.Glob("../testdata/formats/" + string(fm) + "/*/*/*.md*")
		for _, s := range seeds {
			if data, err := os.ReadFile(s); err == nil && len(data) < 64<<10 {
				f.Add(data, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := formats[int(format)%len(formats)]
		r := Parse(Source{Path: "/f.md", ID: "f", Format: fm, Dir: map[bool]string{true: "pkg"}[format >= 128]}, data)
		checkRanges(t, r, string(data))
		if len(data) <= MaxFileSize {
			// Whatever parsed must select and render without trouble.
			NewSet([]*Rule{r}, SetOptions{}).Select("lib/a.ex", "")
		}
	})
}

// FuzzFastYAML checks that the fast frontmatter path and yaml.v3 read every input the
// same way: same fields, same problems at the same ranges.
func FuzzFastYAML(f *testing.F) {
	for _, pattern := range []string{"../testdata/diagnostics/*.md", "../testdata/example/.ai-rules/*/*.md", "../testdata/example/.ai-rules/*/*/*.md"} {
		seeds, _ := filepath.Glob(pattern)
		for _, s := range seeds {
			if data, err := os.ReadFile(s); err == nil && len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"---\ndescription: a\nglobs:\n  - \"x/**\"\n  - y\ntags:\n---\nb\n",
		"---\nlanguage: [go, 'py', \"rs\"]\npriority: 0x1F\nversion: 1.0\ncreated: 2026-01-01\n---\n",
		"---\ndescription:\n---\nx", "---\nalwaysApply: yes\nstatus: ~\n---\n", "---\nscope: []\ndescription: é😀 x\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := Source{Path: "/f.md", ID: "f", Format: FormatAirules}
		fast, slow := parse(src, data, false), parse(src, data, true)
		fast.tokens, slow.tokens = nil, nil
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast and yaml.v3 paths differ on %q\nfast %+v\nslow %+v", data, fast, slow)
		}
	})
}
