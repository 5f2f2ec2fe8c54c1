package index

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidwall/buntdb"

	"github.com/airules/airules/rules"
)

func warmWorkspace(t *testing.T, n int) (root, db string) {
	root = t.TempDir()
	for i := range n {
		write(t, root, ".ai-rules/r"+string(rune('a'+i))+".md", ruleText("rule "+string(rune('a'+i)), "*.go", "cmd/**/*.zig"))
	}
	write(t, root, "main.go", "package main")
	return root, filepath.Join(t.TempDir(), "index.db")
}

func reopen(t *testing.T, root, db string) *Index {
	t.Helper()
	return reopenWith(t, Options{Root: root, DBPath: db})
}

// reopenWith opens an index that the test's cleanup closes (Close is idempotent, so a
// test may close it earlier to reopen the same database).
func reopenWith(t *testing.T, opt Options) *Index {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = testLogger(t)
	}
	ix, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func TestWarmStartParsesOnlyChanges(t *testing.T) {
	root, db := warmWorkspace(t, 5)
	ix := reopen(t, root, db)
	if m := ix.Metrics(); m.Parses != 5 || m.WarmStartSkips != 0 || m.InMemory || m.DBPath != db {
		t.Fatalf("cold metrics %+v", m)
	}
	first := ix.Snapshot()
	ix.Close()
	// The stamps were taken right after the files were written ("racy clean"); age the
	// files so the stamps are trusted, as they would be in real life.
	old := time.Now().Add(-time.Hour)
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })
	ix = reopen(t, root, db)
	ix.Close()
	ix = reopen(t, root, db)
	m := ix.Metrics()
	if m.Parses != 0 || m.WarmStartSkips != 5 {
		t.Fatalf("unchanged warm metrics %+v", m)
	}
	// Restored rules equal parsed ones, AIR007 ranges included.
	s := ix.Snapshot()
	for p, want := range first.Problems {
		got := s.Problems[p]
		if len(got) != len(want) {
			t.Fatalf("%s: problems %+v, want %+v", p, got, want)
		}
		for i := range got {
			if got[i].Range != want[i].Range || got[i].Code != want[i].Code || got[i].Message != want[i].Message {
				t.Fatalf("%s: problem %+v, want %+v", p, got[i], want[i])
			}
		}
		a, b := first.RuleAt(p), s.RuleAt(p)
		if a.Text() != b.Text() || a.Description != b.Description || strings.Join(a.Globs, ",") != strings.Join(b.Globs, ",") ||
			a.Hash != b.Hash || a.Tokens() != b.Tokens() {
			t.Fatalf("restored rule differs: %+v vs %+v", a, b)
		}
	}
	ix.Close()

	// One file changed, one deleted, one added.
	write(t, root, ".ai-rules/ra.md", ruleText("changed"))
	os.Remove(filepath.Join(root, ".ai-rules/rb.md"))
	write(t, root, ".ai-rules/new.md", ruleText("new"))
	ix = reopen(t, root, db)
	defer ix.Close()
	m = ix.Metrics()
	if m.Parses != 2 || m.WarmStartSkips != 3 {
		t.Fatalf("warm metrics after changes %+v", m)
	}
	if r := ix.Snapshot().RuleAt(filepath.Join(root, ".ai-rules/ra.md")); r.Description != "changed" {
		t.Fatalf("changed rule %+v", r)
	}
	evs, _ := ix.History("", 3)
	got := map[string]string{}
	for _, e := range evs {
		got[e.RuleID] = e.Type
		if e.Causation != "startup" {
			t.Errorf("causation %q", e.Causation)
		}
	}
	if got["ra"] != "updated" || got["rb"] != "deleted" || got["new"] != "created" {
		t.Fatalf("events %+v", evs)
	}
}

func TestWarmStartSameSizeEditIsSeen(t *testing.T) {
	root, db := warmWorkspace(t, 1)
	ix := reopen(t, root, db)
	ix.Close()
	// Same size, content changed, mtime kept: only a hash would see it, and the stamp
	// is "racy", so it is re-hashed.
	p := filepath.Join(root, ".ai-rules/ra.md")
	st, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	copy(data[len(data)-4:], "XYZ.")
	os.WriteFile(p, data, 0o644)
	os.Chtimes(p, st.ModTime(), st.ModTime())
	ix = reopen(t, root, db)
	defer ix.Close()
	if ix.Metrics().Parses != 1 {
		t.Fatalf("parses %d", ix.Metrics().Parses)
	}
}

func TestDamagedDatabaseIsRebuilt(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, db string)
	}{
		{"garbage in the middle", func(t *testing.T, db string) {
			data, _ := os.ReadFile(db)
			mid := len(data)/2 + strings.Index(string(data[len(data)/2:]), "\r\n*3\r\n") + 2
			copy(data[mid:], "#### garbage ####\r\n")
			os.WriteFile(db, data, 0o644)
		}},
		{"damaged record value", func(t *testing.T, db string) {
			data, _ := os.ReadFile(db)
			i := strings.Index(string(data), `{"status":`)
			copy(data[i:], `{"status"!`)
			os.WriteFile(db, data, 0o644)
		}},
		{"truncated", func(t *testing.T, db string) {
			st, _ := os.Stat(db)
			os.Truncate(db, st.Size()*2/3)
		}},
		{"other schema", func(t *testing.T, db string) {
			f, _ := os.OpenFile(db, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("*3\r\n$3\r\nset\r\n$11\r\nmeta:schema\r\n$14\r\nairules-index/0\r\n")
			f.Close()
		}},
		{"bad record", func(t *testing.T, db string) {
			f, _ := os.OpenFile(db, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("*3\r\n$3\r\nset\r\n$10\r\nfile:/nope\r\n$5\r\n{bad}\r\n")
			f.Close()
		}},
		{"not a database at all", func(t *testing.T, db string) {
			os.WriteFile(db, []byte("\x89PNG\r\n\x1a\nbinary junk"), 0o644)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, db := warmWorkspace(t, 4)
			ix := reopen(t, root, db)
			ix.Close()
			c.damage(t, db)
			ix = reopen(t, root, db)
			defer ix.Close()
			if got := ix.Snapshot().Rules.Len(); got != 4 {
				t.Fatalf("rules after rebuild: %d", got)
			}
			if ix.Metrics().Parses != 4 {
				t.Fatalf("parses %d, want a rebuild", ix.Metrics().Parses)
			}
			aside, _ := filepath.Glob(db + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("moved aside: %v", aside)
			}
			// Nothing was written into the workspace.
			entries, _ := os.ReadDir(root)
			for _, e := range entries {
				if e.Name() != ".ai-rules" && e.Name() != "main.go" {
					t.Fatalf("wrote %s into the workspace", e.Name())
				}
			}
			// And the rebuilt database works warm.
			ix.Close()
			ix = reopen(t, root, db)
			if ix.Metrics().WarmStartSkips+ix.Metrics().Parses != 4 {
				t.Fatalf("reopen metrics %+v", ix.Metrics())
			}
		})
	}
}

func TestSecondOpenFallsBackToMemory(t *testing.T) {
	root, db := warmWorkspace(t, 2)
	a := reopen(t, root, db)
	defer a.Close()
	b := reopen(t, root, db)
	if m := b.Metrics(); !m.InMemory || b.Snapshot().Rules.Len() != 2 {
		t.Fatalf("second open %+v", m)
	}
	// It saw the first one's event log without writing to its file.
	if evs, _ := b.History("", 0); len(evs) != 2 {
		t.Fatalf("history through the copy: %d events", len(evs))
	}
	b.Close()
	if m := a.Metrics(); m.InMemory {
		t.Fatal("first open fell back")
	}
	// The lock is released on Close.
	a.Close()
	c := reopen(t, root, db)
	defer c.Close()
	if c.Metrics().InMemory {
		t.Fatal("lock not released")
	}
}

func TestEventLogBounded(t *testing.T) {
	root := t.TempDir()
	p := write(t, root, ".ai-rules/a.md", ruleText("v0"))
	ix := open(t, Options{Root: root, MaxEvents: 5})
	for i := range 12 {
		write(t, root, ".ai-rules/a.md", ruleText("v"+string(rune('a'+i))))
		if _, err := ix.Reindex(context.Background(), "cli", p); err != nil {
			t.Fatal(err)
		}
	}
	evs, _ := ix.History("", 0)
	if len(evs) != 5 {
		t.Fatalf("%d events kept, want 5", len(evs))
	}
	if evs[0].Seq != 13 || evs[4].Seq != 9 {
		t.Fatalf("kept seqs %d..%d", evs[4].Seq, evs[0].Seq)
	}
	if evs[0].Correlation == evs[1].Correlation {
		t.Fatal("correlation shared across reindexes")
	}
}

func TestDefaultDBPathOutsideWorkspace(t *testing.T) {
	root := t.TempDir()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	write(t, root, ".ai-rules/a.md", ruleText("a"))
	ix, err := Open(context.Background(), Options{Root: root, DBPath: ""})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	p := ix.Metrics().DBPath
	if !strings.HasPrefix(p, cache) || strings.HasPrefix(p, root) || filepath.Base(p) != "index.db" {
		t.Fatalf("db path %s", p)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	_ = rules.LayerUser
}

func TestJSONField(t *testing.T) {
	r := rules.Parse(rules.Source{Path: "/x.md", ID: "x"}, []byte("---\ndescription: d\npriority: 7\nscope: [project]\n---\nbody\n"))
	v := encodeRule(r)
	for _, f := range indexedFields {
		want := map[string]string{"status": `"active"`, "priority": "7", "scope": `["project"]`, "language": "null"}[f.name]
		if got := jsonField(v, `"`+f.name+`":`); got != want {
			t.Errorf("%s = %q, want %q in %s", f.name, got, want, v)
		}
		if i := strings.Index(v, `"`+f.name+`":`); i > 60 {
			t.Errorf("%s at byte %d: indexed fields must lead the record", f.name, i)
		}
	}
	odd := `{"a":"x\",]","b":["p","a]\"b"],"c":12}`
	for key, want := range map[string]string{"a": `"x\",]"`, "b": `["p","a]\"b"]`, "c": "12", "d": ""} {
		if got := jsonField(odd, `"`+key+`":`); got != want {
			t.Errorf("field %s = %q, want %q", key, got, want)
		}
	}
	less := leadingLess("priority", true)
	if !less(`{"priority":9}`, `{"priority":10}`) || less(`{"priority":10}`, `{"priority":9}`) {
		t.Error("numeric order")
	}
}

// The hand-written decoders and encoder agree with encoding/json.
func TestRecordCodecs(t *testing.T) {
	r := rules.Parse(rules.Source{Path: "/w/.ai-rules/a.md", ID: "a", Layer: rules.LayerProject, Format: rules.FormatAirules},
		[]byte("---\ndescription: \"d \\\"q\\\" é\"\nversion: 2\npriority: 7\nscope: [project, language]\nlanguage: [go]\ntags: [x]\nglobs: [\"*.go\", \"!x.go\"]\nbogus: 1\ncreated: 2026-01-02\n---\nbody\n"))
	v := encodeRule(r)
	var want ruleRecord
	if err := json.Unmarshal([]byte(v), &want); err != nil {
		t.Fatalf("%v in %s", err, v)
	}
	// The hand-written encoder writes what encoding/json would, up to HTML escaping.
	byJSON, _ := json.Marshal(&want)
	var a, b any
	json.Unmarshal(byJSON, &a)
	json.Unmarshal([]byte(v), &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("hand-written\n%s\nencoding/json\n%s", v, byJSON)
	}
	for _, other := range []*rules.Rule{
		rules.Parse(rules.Source{Path: "/a.md", ID: "a"}, []byte("---\ndescription: x\nalwaysApply: true\n---\nb\n")),
		rules.Parse(rules.Source{Path: "/b.md", ID: "b", Dir: "lib", Format: rules.FormatAgents}, []byte("plain <b>&</b>\n")),
	} {
		v := encodeRule(other)
		var rec ruleRecord
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			t.Fatalf("%v in %s", err, v)
		}
		byJSON, _ := json.Marshal(&rec)
		var a, b any
		json.Unmarshal(byJSON, &a)
		json.Unmarshal([]byte(v), &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("hand-written\n%s\nencoding/json\n%s", v, byJSON)
		}
	}
	got, err := decodeRuleRecord(v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", *got, want)
	}
	// One range per glob, negations included.
	if len(got.Problems) == 0 || len(got.GlobRanges) != len(got.Globs) {
		t.Fatalf("test rule lacks problems or ranges: %+v", got)
	}
	for _, f := range []fileRecord{
		{Size: 3, Mtime: 4, Hash: "h", Rule: "rule:project:a", Seen: 5},
		{Size: 1 << 40, Mtime: -7, Hash: strings.Repeat("ab", 32), Rule: "rule:user:a\"b\n\x01é", Seen: 1796548368642995138, Tokens: 812},
	} {
		if g, err := decodeFileRecord(encodeFile(f)); err != nil || g != f {
			t.Fatalf("file record %+v %v", g, err)
		}
		byJSON, err := json.Marshal(&f)
		if err != nil {
			t.Fatal(err)
		}
		if v := encodeFile(f); v[:strings.LastIndex(v, crcField)] != string(byJSON[:len(byJSON)-1]) {
			t.Fatalf("hand-written\n%s\nencoding/json\n%s", v, byJSON)
		}
	}
	if _, err := decodeRuleRecord(`{"status":`); err == nil {
		t.Fatal("bad JSON decoded")
	}
	ev := Event{Seq: 9, Type: "created", RuleID: "a\"b\n\x01é", Layer: "project", Path: "/p", Version: "1",
		Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Causation: "cli", Correlation: "c"}
	var back Event
	if err := json.Unmarshal(appendEvent(nil, &ev), &back); err != nil || back != ev {
		t.Fatalf("event round trip %+v %v\n%s", back, err, appendEvent(nil, &ev))
	}
}

func TestJSONIndexesAreBuilt(t *testing.T) {
	root, db := warmWorkspace(t, 3)
	write(t, root, ".ai-rules/hi.md", "---\ndescription: hi\npriority: 90\nlanguage: [go]\nscope: [language]\n---\nbody\n")
	ix := reopenWith(t, Options{Root: root, DBPath: db, indexDelay: 10 * time.Millisecond})
	defer ix.Close()
	eventually(t, "indexes", func() bool {
		names, _ := ix.st.db.Indexes()
		return len(names) == 4
	})
	var order []string
	ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.Descend("priority", func(k, _ string) bool {
			order = append(order, k)
			return true
		})
	})
	if len(order) != 4 || order[0] != "rule:project:hi" {
		t.Fatalf("by priority, descending: %v", order)
	}
	var langs []string
	ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendEqual("language", `{"language":["go"]}`, func(k, _ string) bool {
			langs = append(langs, k)
			return true
		})
	})
	if len(langs) != 1 {
		t.Fatalf("language go: %v", langs)
	}
}

func TestSecondOpenOnDamagedSharedFile(t *testing.T) {
	root, db := warmWorkspace(t, 2)
	a := reopen(t, root, db)
	defer a.Close()
	f, _ := os.OpenFile(db, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("*3\r\n$3\r\nset\r\n$10\r\nfile:/nope\r\n$5\r\n{bad}\r\n")
	f.Close()
	b := reopen(t, root, db)
	defer b.Close()
	if m := b.Metrics(); !m.InMemory || b.Snapshot().Rules.Len() != 2 || m.Parses != 2 {
		t.Fatalf("metrics %+v", m)
	}
}

// The store keeps no body: a restored rule reads its body back from its file on first
// use, finds duplicates by the stored body identity without reading, and keeps the token
// count the warmer stored.
func TestRestoredRuleReadsItsBodyFromTheFile(t *testing.T) {
	root, db := warmWorkspace(t, 2)
	write(t, root, ".ai-rules/copy.md", ruleText("rule a", "*.go", "cmd/**/*.zig")) // same body as ra.md
	ix := reopen(t, root, db)
	counted := map[string]int{}
	for _, r := range ix.Snapshot().Rules.Rules() {
		counted[r.Path] = r.Tokens()
	}
	// Store the counts as the server's warmer would.
	ix.mu.Lock()
	queue := ix.uncounted()
	ix.mu.Unlock()
	ix.warmRound(t.Context(), queue, 0, true, func() {})
	ix.Close()
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "Do the thing for rule") {
		t.Fatal("the database holds a rule body")
	}
	old := time.Now().Add(-time.Hour)
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })
	ix = reopen(t, root, db)
	if m := ix.Metrics(); m.Parses != 0 || m.WarmStartSkips != 3 {
		t.Fatalf("warm metrics %+v", m)
	}
	s := ix.Snapshot()
	for p, n := range counted {
		ix.mu.Lock()
		stored := ix.entries[p].stamp.Tokens
		ix.mu.Unlock()
		if stored != n || s.RuleAt(p).Tokens() != n {
			t.Errorf("%s: restored count %d (rule says %d), want %d", p, stored, s.RuleAt(p).Tokens(), n)
		}
	}
	// Duplicates are found by the stored identity: ra.md and copy.md have one body.
	sel := s.Rules.Select("main.go", "")
	dups := 0
	for _, o := range sel.Omitted {
		if o.Reason == rules.OmitDuplicate {
			dups++
		}
	}
	if dups != 1 {
		t.Fatalf("omitted %+v, want one duplicate", sel.Omitted)
	}
	ra := filepath.Join(root, ".ai-rules/ra.md")
	if got := s.RuleAt(ra).Text(); !strings.Contains(got, "Do the thing for rule a.") {
		t.Fatalf("restored body %q", got)
	}
	// A file changed under a restored rule before the watcher saw it: its text is the
	// file's, which is the truth.
	rb := filepath.Join(root, ".ai-rules/rb.md")
	write(t, root, ".ai-rules/rb.md", "---\ndescription: rule b\n---\nNew text.\n")
	if got := strings.TrimSpace(s.RuleAt(rb).Text()); got != "New text." {
		t.Fatalf("body of a changed file %q", got)
	}
}

// A prompt header counted by one session is stored as the index closes and known to
// the next, which then budgets that file without counting it again.
func TestHeaderCountsSurviveARestart(t *testing.T) {
	root, db := warmWorkspace(t, 2)
	ix := reopen(t, root, db)
	want := ix.Snapshot().Context("main.go", "", nil, 0)
	ix.Close()
	ix = reopen(t, root, db)
	ix.headers.mu.Lock()
	n, ok := ix.headers.n["main.go"]
	ix.headers.mu.Unlock()
	if !ok || n != rules.HeaderTokens("main.go") {
		t.Fatalf("stored header count %d (%v), want %d", n, ok, rules.HeaderTokens("main.go"))
	}
	if got := ix.Snapshot().Context("main.go", "", nil, 0); got.Tokens != want.Tokens || got.Prompt != want.Prompt {
		t.Fatalf("warm context %d tokens, want %d", got.Tokens, want.Tokens)
	}
}

// A server's index (Watch) keeps no body of a rule it parsed, as it keeps none of a
// restored one: the count is made from the body it was parsed with, which is then
// dropped, and the body read when rendered is the file's. A one-shot index keeps what
// it parsed.
func TestServerIndexForgetsParsedBodies(t *testing.T) {
	for _, watch := range []bool{true, false} {
		root, db := warmWorkspace(t, 2)
		ix := reopenWith(t, Options{Root: root, DBPath: db, Watch: watch})
		ra := filepath.Join(root, ".ai-rules/ra.md")
		r := ix.Snapshot().RuleAt(ra)
		if m := ix.Metrics(); r == nil || m.Parses != 2 {
			t.Fatalf("watch %v: rule %v, metrics %+v", watch, r, m)
		}
		if (r.Body == "") != watch {
			t.Errorf("watch %v: parsed body %q", watch, r.Body)
		}
		parsed := rules.Parse(r.Source, []byte(ruleText("rule a", "*.go", "cmd/**/*.zig")))
		// Rewritten under the rule before the watcher sees it: the count is the parsed
		// body's (the warmer's or this one, whichever came first), and then a forgotten
		// body is the file's text, a kept one what was parsed.
		write(t, root, ".ai-rules/ra.md", "---\ndescription: rule a\n---\nNew text.\n")
		if n := r.Tokens(); n != parsed.Tokens() {
			t.Errorf("watch %v: count %d, want the parsed body's %d", watch, n, parsed.Tokens())
		}
		got := strings.TrimSpace(r.Text())
		if watch && got != "New text." || !watch && got != strings.TrimSpace(parsed.Body) {
			t.Errorf("watch %v: body %q", watch, got)
		}
	}
}

// The event log is written in batch records: a first index of many rules takes a few
// records, History reads them back newest first and shows the last MaxEvents, and a
// reopened index numbers on from the stored batches.
func TestEventLogBatches(t *testing.T) {
	root := t.TempDir()
	for i := range 150 {
		write(t, root, fmt.Sprintf(".ai-rules/r%03d.md", i), ruleText(fmt.Sprintf("rule %d", i)))
	}
	db := filepath.Join(t.TempDir(), "index.db")
	ix := reopenWith(t, Options{Root: root, DBPath: db, MaxEvents: 100})
	records := 0
	_ = ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(preEvent+"*", func(string, string) bool { records++; return true })
	})
	if want := (150 + eventBatch - 1) / eventBatch; records != want {
		t.Fatalf("%d event records for 150 events, want %d", records, want)
	}
	check := func(ix *Index, newest uint64) {
		t.Helper()
		evs, err := ix.History("", 0)
		if err != nil || len(evs) != 100 {
			t.Fatalf("%d events (%v), want the last 100", len(evs), err)
		}
		for i, ev := range evs {
			if ev.Seq != newest-uint64(i) {
				t.Fatalf("event %d has seq %d, want %d", i, ev.Seq, newest-uint64(i))
			}
		}
		shown := map[string]bool{}
		for _, ev := range evs {
			shown[ev.RuleID] = true
		}
		for i := range 150 {
			id := fmt.Sprintf("r%03d", i)
			one, _ := ix.History(id, 0)
			if shown[id] && (len(one) != 1 || one[0].Type != "created" || one[0].Path != filepath.Join(root, ".ai-rules", id+".md")) ||
				!shown[id] && len(one) != 0 {
				t.Fatalf("History(%s) = %+v (shown in the last 100: %v)", id, one, shown[id])
			}
		}
	}
	check(ix, 150)
	ix.Close()
	ix = reopenWith(t, Options{Root: root, DBPath: db, MaxEvents: 100})
	p := write(t, root, ".ai-rules/r120.md", ruleText("rule 120, again"))
	if _, err := ix.Reindex(context.Background(), "cli", p); err != nil {
		t.Fatal(err)
	}
	if evs, _ := ix.History("", 1); len(evs) != 1 || evs[0].Seq != 151 || evs[0].Type != "updated" || evs[0].RuleID != "r120" {
		t.Fatalf("newest event after an edit: %+v", evs)
	}
}

// A database damaged twice leaves one copy aside, the last.
func TestOnlyTheLastDamagedDatabaseIsKept(t *testing.T) {
	root, db := warmWorkspace(t, 1)
	os.WriteFile(db+".corrupt-1", []byte("an old copy"), 0o600)
	reopen(t, root, db).Close()
	last := "*3\r\n$3\r\nset\r\n$11\r\nmeta:schema\r\n$14\r\nairules-index/0\r\n" // another schema
	os.WriteFile(db, []byte(last), 0o600)
	reopen(t, root, db).Close()
	aside, _ := filepath.Glob(db + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("kept aside: %v", aside)
	}
	if data, _ := os.ReadFile(aside[0]); string(data) != last {
		t.Fatalf("kept %q, want the last damaged file", data)
	}
}

// A database of an older schema is rebuilt from the rule files, and its event log,
// written one event per record then, is carried over and numbered on from.
func TestEventLogSurvivesASchemaUpgrade(t *testing.T) {
	root, db := warmWorkspace(t, 1)
	old, err := buntdb.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err = old.Update(func(tx *buntdb.Tx) error {
		tx.Set(keySchema, "airules-index/4", nil)
		tx.Set("rule:project:gone", `{"status":"active"}`, nil)
		for seq, typ := range map[uint64]string{7: "created", 8: "updated"} {
			ev := Event{Seq: seq, Type: typ, RuleID: "gone", Layer: "project", Path: "/w/.ai-rules/gone.md", Time: when, Causation: "cli", Correlation: "c"}
			tx.Set(eventKey(seq), string(appendEvent(nil, &ev)), nil)
		}
		_, _, err := tx.Set(eventKey(9), "not an event", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	ix := reopen(t, root, db)
	if m := ix.Metrics(); m.Parses != 1 {
		t.Fatalf("metrics %+v, want a rebuild", m)
	}
	evs, err := ix.History("", 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("history %+v (%v), want the new rule's creation and the two old events", evs, err)
	}
	if evs[0].Seq != 9 || evs[0].RuleID != "ra" || evs[1].Seq != 8 || evs[1].Type != "updated" || evs[2].Seq != 7 ||
		!evs[2].Time.Equal(when) || evs[2].Path != "/w/.ai-rules/gone.md" {
		t.Fatalf("history %+v", evs)
	}
	// And it stays on a warm reopen.
	ix.Close()
	if evs, _ := reopen(t, root, db).History("gone", 0); len(evs) != 2 {
		t.Fatalf("after reopening: %+v", evs)
	}
}

// A batch record decodes to the events encoded into it; anything else is refused,
// never a panic.
func FuzzDecodeEvents(f *testing.F) {
	ev := Event{Seq: 3, Type: "created", RuleID: "a/b", Layer: "project", Path: "/w/a.md", Time: time.Unix(1, 2).UTC()}
	f.Add(encodeEvents([]Event{ev}), "x")
	f.Add("2:garbage", "rule \"q\"\n")
	f.Add(`{"seq":1}`, "")
	f.Fuzz(func(t *testing.T, v, id string) {
		_, _ = decodeEvents(v)
		_, _ = eventCountOf(v)
		e := ev
		e.RuleID, e.Causation = id, v
		back, err := decodeEvents(encodeEvents([]Event{e, e}))
		if err != nil || len(back) != 2 || back[1].RuleID != e.RuleID || back[1].Causation != e.Causation {
			if utf8.ValidString(id) && utf8.ValidString(v) {
				t.Fatalf("round trip of %q, %q: %+v, %v", id, v, back, err)
			}
		}
	})
}

// A write's transactions hold at most chunkKeys keys and chunkBytes bytes, unless one
// group alone is larger, and never split a group.
func TestNextChunk(t *testing.T) {
	small := []op{{key: "file:a", val: "x"}, {key: "rule:a", val: "y"}}
	big := []op{{key: "event:1", val: strings.Repeat("e", 6<<10)}}
	huge := []op{{key: "event:2", val: strings.Repeat("e", 2*chunkBytes)}}
	for _, tt := range []struct {
		name   string
		groups [][]op
		want   int
	}{
		{"keys", slices.Repeat([][]op{small}, 150), chunkKeys / 2},
		{"bytes", slices.Repeat([][]op{big}, 100), chunkBytes / (6<<10 + len("event:1"))},
		{"one huge group", [][]op{huge, small}, 1},
		{"few", [][]op{small, big}, 2},
	} {
		if got := nextChunk(tt.groups); got != tt.want {
			t.Errorf("%s: %d groups, want %d", tt.name, got, tt.want)
		}
	}
}

// A file record comes back as it was encoded, and is JSON encoding/json reads alike.
func FuzzFileRecord(f *testing.F) {
	f.Add(int64(3), int64(4), "h", "rule:project:a", int64(5), 0)
	f.Add(int64(-1), int64(1<<62), "\x00\"\\é\u2028<>&", "rule:user:a\nb", int64(0), 812)
	f.Fuzz(func(t *testing.T, size, mtime int64, hash, rule string, seen int64, tokens int) {
		if !utf8.ValidString(hash) || !utf8.ValidString(rule) || hash == "" || rule == "" {
			t.Skip() // a stamp always has both, as text; encoding/json would replace bytes
		}
		rec := fileRecord{Size: size, Mtime: mtime, Hash: hash, Rule: rule, Seen: seen, Tokens: tokens}
		v := encodeFile(rec)
		got, err := decodeFileRecord(v)
		if err != nil || got != rec {
			t.Fatalf("decoded %+v, %v; want %+v", got, err, rec)
		}
		var back fileRecord
		if err := json.Unmarshal([]byte(v), &back); err != nil || back != rec {
			t.Fatalf("encoding/json reads %+v, %v; want %+v", back, err, rec)
		}
	})
}
