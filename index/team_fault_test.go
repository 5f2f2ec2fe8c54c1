package index

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airules/airules/rules"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// noLeak checks, once the index is closed, that it left no goroutine behind: none
// started after the call may be left, but the in-process servers' own (they create
// streams and consumers as the test goes) and buntdb's background manager, which
// notices a closed database on its next one-second tick.
func noLeak(t *testing.T) func() {
	before := goroutines()
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			var left []string
			for id, st := range goroutines() {
				if before[id] != "" || strings.Contains(st, "nats-server/v2/server") ||
					strings.Contains(st, "buntdb.(*DB).backgroundManager") || strings.Contains(st, "index.goroutines") {
					continue
				}
				left = append(left, st)
			}
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines left behind:\n%s", len(left), strings.Join(left, "\n\n"))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// goroutines returns the stack of every goroutine by its id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, st := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(st, " [")
		out[head] = st
	}
	return out
}

func statusProblem(ix *Index) []rules.Problem {
	return ix.Snapshot().Problems[TeamScheme+"://"+DefaultTeamBucket]
}

func localRuleThere(t *testing.T, ix *Index) {
	t.Helper()
	if !slices.Contains(ids(ix.Snapshot()), "local/style") {
		t.Fatalf("local rules affected: %v", ids(ix.Snapshot()))
	}
}

func seedFile(t *testing.T) (path, public string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	public, _ = kp.PublicKey()
	path = filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(path, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, public
}

func TestTeamFaultWrongCredentials(t *testing.T) {
	good, goodPub := seedFile(t)
	bad, _ := seedFile(t)
	ns := startNATS(t, func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: goodPub}} })
	opt, err := nats.NkeyOptionFromSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{}, opt)
	kv.put(t, "a", teamRule("a"))
	check := noLeak(t)

	root, db := teamWorkspace(t)
	ix, err := Open(context.Background(), Options{Root: root, DBPath: db, Watch: true, Logger: testLogger(t),
		Team: TeamConfig{URL: ns.url(), Creds: bad}, teamBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, ix, TeamUnauthorized)
	localRuleThere(t, ix)
	if ps := statusProblem(ix); len(ps) != 1 || !strings.Contains(ps[0].Message, "unauthorized") {
		t.Fatalf("status problem: %+v", ps)
	}
	if strings.Contains(ix.TeamStatus().Error, "SU") {
		t.Fatalf("the seed leaked into the status: %q", ix.TeamStatus().Error)
	}
	ix.Close()

	// The right seed file works.
	ix, err = Open(context.Background(), Options{Root: root, DBPath: db, Watch: true, Logger: testLogger(t),
		Team: TeamConfig{URL: ns.url(), Creds: good}, teamBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "rule with the right seed", func() bool { return slices.Equal(teamIDs(ix), []string{"a"}) })
	ix.Close()
	check()
}

// silentServer accepts TCP connections and never says a word.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "nats://" + l.Addr().String()
}

func TestTeamFaultServerNeverAnswers(t *testing.T) {
	url := silentServer(t)
	check := noLeak(t)
	root, db := teamWorkspace(t)
	ix, err := Open(context.Background(), Options{Root: root, DBPath: db, Watch: true, Logger: testLogger(t),
		Team: TeamConfig{URL: url}, TeamTimeout: 300 * time.Millisecond, teamBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	localRuleThere(t, ix) // the first index did not wait for the silent server
	waitState(t, ix, TeamOffline)
	if ps := statusProblem(ix); len(ps) != 1 || ps[0].Code != CodeTeamStatus {
		t.Fatalf("status problem: %+v", ps)
	}
	if e := ix.TeamStatus().Error; !strings.Contains(e, "timeout") {
		t.Fatalf("error %q does not say timeout", e)
	}
	ix.Close() // while an attempt may be under way: it is aborted, not waited out
	check()
}

func TestTeamFaultBadValues(t *testing.T) {
	ns := startNATS(t, func(o *server.Options) { o.MaxPayload = 4 << 20 })
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "good", teamRule("good"))
	kv.put(t, "huge", "---\ndescription: huge\n---\n"+strings.Repeat("x", 2<<20))
	kv.put(t, "garbage", string([]byte{0x00, 0xff, 0xfe, 0x01, 'z', 0x80}))
	kv.put(t, "badyaml", "---\ndescription: [unclosed\n---\nbody\n")
	check := noLeak(t)
	root, db := teamWorkspace(t)
	ix := openTeamNoCleanup(t, root, db, ns.url())
	eventually(t, "team rules", func() bool { return len(teamIDs(ix)) == 4 })
	waitState(t, ix, TeamLive)
	probs := ix.Snapshot().Problems
	codeOf := func(id string) []rules.Code {
		var out []rules.Code
		for _, p := range probs[TeamURI(DefaultTeamBucket, id)] {
			out = append(out, p.Code)
		}
		return out
	}
	if c := codeOf("huge"); !slices.Contains(c, rules.CodeTooLarge) {
		t.Fatalf("2 MB value: %v", c)
	}
	if c := codeOf("garbage"); !slices.Contains(c, rules.CodeNotText) {
		t.Fatalf("binary value: %v", c)
	}
	if c := codeOf("badyaml"); !slices.Contains(c, rules.CodeYAMLSyntax) {
		t.Fatalf("bad YAML: %v", c)
	}
	if c := codeOf("good"); len(c) != 0 {
		t.Fatalf("good rule has problems: %v", c)
	}
	sel := ix.Snapshot().Context("main.go", "", nil, 0)
	var applied []string
	for _, r := range sel.Rules {
		applied = append(applied, r.Rule.ID)
	}
	if !slices.Contains(applied, "good") || slices.Contains(applied, "huge") || slices.Contains(applied, "garbage") {
		t.Fatalf("applied: %v", applied)
	}
	localRuleThere(t, ix)
	ix.Close()
	// The cache keeps the size of the huge value, not the value.
	st, err := openStore(db, root, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := st.loadTeam(DefaultTeamBucket)
	st.close()
	if err != nil || len(recs["huge"].Value) != 0 || recs["huge"].Size <= rules.MaxFileSize ||
		!bytes.Equal(recs["garbage"].Value, []byte{0x00, 0xff, 0xfe, 0x01, 'z', 0x80}) {
		t.Fatalf("cache: huge %d bytes kept of %d; err %v", len(recs["huge"].Value), recs["huge"].Size, err)
	}
	check()
}

func TestTeamFaultBucketDeletedUnderneath(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "a", teamRule("a"))
	kv.put(t, "b", teamRule("b"))
	check := noLeak(t)
	root, db := teamWorkspace(t)
	ix := openTeamNoCleanup(t, root, db, ns.url())
	eventually(t, "rules", func() bool { return len(teamIDs(ix)) == 2 })
	waitState(t, ix, TeamLive)

	ctx := context.Background()
	if err := kv.js.DeleteKeyValue(ctx, DefaultTeamBucket); err != nil {
		t.Fatal(err)
	}
	waitState(t, ix, TeamNoBucket)
	if ps := statusProblem(ix); len(ps) != 1 || !strings.Contains(ps[0].Message, "no-bucket") {
		t.Fatalf("status problem: %+v", ps)
	}
	if got := teamIDs(ix); len(got) != 2 {
		t.Fatalf("cached team rules dropped: %v", got)
	}
	localRuleThere(t, ix)

	// Created again: revisions start over, so the source reads it whole. The server
	// removes a deleted stream's store in the background, and a create that races it
	// is refused (err_code 10049): it is tried again until the store is gone.
	var kv2 jetstream.KeyValue
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		kv2, err = kv.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: DefaultTeamBucket, History: 10})
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "err_code=10049") || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	if _, err := kv2.Put(ctx, "c", []byte(teamRule("c"))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new bucket's rules", func() bool { return slices.Equal(teamIDs(ix), []string{"c"}) })
	waitState(t, ix, TeamLive)
	ix.Close()
	check()
}

func TestTeamLogsOncePerStateChange(t *testing.T) {
	url := silentServer(t)
	core, logs := observer.New(zap.InfoLevel)
	root, db := teamWorkspace(t)
	ix, err := Open(context.Background(), Options{Root: root, DBPath: db, Watch: true, Logger: zap.New(core),
		Team: TeamConfig{URL: url}, TeamTimeout: 50 * time.Millisecond, teamBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	eventually(t, "five failed attempts", func() bool { return ix.TeamStatus().Attempts >= 5 })
	if n := logs.FilterMessageSnippet("team rules").Len(); n != 1 {
		t.Fatalf("%d log lines for one state, want 1: %v", n, logs.All())
	}
	if ix.Snapshot().Generation > 2 {
		t.Fatalf("every attempt published: generation %d", ix.Snapshot().Generation)
	}
}
