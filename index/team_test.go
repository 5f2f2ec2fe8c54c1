package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airules/airules/rules"
	"github.com/nats-io/nats.go/jetstream"
)

func teamRule(desc string) string {
	return "---\ndescription: " + desc + "\nalwaysApply: true\n---\n\n" + desc + " body.\n"
}

// changeLog collects what OnChange hears.
type changeLog struct {
	mu  sync.Mutex
	chs []Change
}

func (l *changeLog) add(ch Change) {
	l.mu.Lock()
	l.chs = append(l.chs, ch)
	l.mu.Unlock()
}

func (l *changeLog) sawAdded(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.chs {
		if slices.Contains(ch.Added, id) {
			return true
		}
	}
	return false
}

func TestTeamWatchPutUpdateDeleteHistory(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "00-global/security", teamRule("security"))
	kv.put(t, "framework/c++ style", teamRule("cpp"))

	root, db := teamWorkspace(t)
	var log changeLog
	ix := openTeam(t, root, db, ns.url(), func(o *Options) { o.OnChange = log.add })
	// The first index never waits on the network: the local rule is there at once.
	if got := ids(ix.Snapshot()); !slices.Contains(got, "local/style") {
		t.Fatalf("local rule missing from the first snapshot: %v", got)
	}
	eventually(t, "initial team rules", func() bool {
		return slices.Equal(teamIDs(ix), []string{"00-global/security", "framework/c++ style"})
	})
	waitState(t, ix, TeamLive)
	r := ix.Snapshot().Rules.Rule(TeamURI(DefaultTeamBucket, "framework/c=2B=2B=20style"))
	if r == nil || r.Layer != rules.LayerTeam || r.ID != "framework/c++ style" {
		t.Fatalf("encoded key: got %+v", r)
	}
	if !log.sawAdded("00-global/security") {
		t.Fatal("OnChange did not report the team rules")
	}

	kv.put(t, "00-global/security", teamRule("security v2"))
	eventually(t, "update", func() bool { return strings.Contains(teamBody(ix, "00-global/security"), "security v2") })
	kv.put(t, "new/rule", teamRule("new"))
	eventually(t, "live put", func() bool { return log.sawAdded("new/rule") })
	kv.del(t, "new/rule")
	eventually(t, "delete", func() bool { return !slices.Contains(teamIDs(ix), "new/rule") })
	if got := ids(ix.Snapshot()); !slices.Contains(got, "local/style") {
		t.Fatalf("local rule lost: %v", got)
	}
	st := ix.TeamStatus()
	if st.State != TeamLive || st.Rules != 2 || st.Revision < 5 {
		t.Fatalf("status: %+v", st)
	}

	c, err := DialTeam(context.Background(), TeamConfig{URL: ns.url()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h, err := c.History(context.Background(), "new/rule")
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, rv := range h {
		ops = append(ops, rv.Op)
	}
	if !slices.Equal(ops, []string{"put", "delete"}) || h[0].Revision >= h[1].Revision || h[0].Created.IsZero() {
		t.Fatalf("history: %+v", h)
	}
}

func TestTeamPublishMirrorsTheTree(t *testing.T) {
	ns := startNATS(t, nil)
	root, db := teamWorkspace(t)
	c, err := DialTeam(context.Background(), TeamConfig{URL: ns.url()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 { // idempotent
		if _, err := c.Init(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	src := t.TempDir()
	write(t, src, ".ai-rules/00-global/security.md", teamRule("security"))
	write(t, src, ".ai-rules/style/go.md", teamRule("go"))
	write(t, src, ".ai-rules/.swap.md", "not a rule")
	want, err := NativeRules(src, "")
	if err != nil {
		t.Fatal(err)
	}
	dry, err := c.Publish(context.Background(), want, true, "tester@host")
	if err != nil || len(dry.Actions) != 2 || dry.Actions[0].Revision != 0 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	ix := openTeam(t, root, db, ns.url(), nil)
	waitState(t, ix, TeamLive)
	if got := teamIDs(ix); len(got) != 0 {
		t.Fatalf("a dry run published: %v", got)
	}
	rep, err := c.Publish(context.Background(), want, false, "tester@host")
	if err != nil || len(rep.Actions) != 2 {
		t.Fatalf("publish: %+v %v", rep, err)
	}
	eventually(t, "published rules", func() bool {
		return slices.Equal(teamIDs(ix), []string{"00-global/security", "style/go"})
	})

	// Change one, remove one, keep one.
	write(t, src, ".ai-rules/00-global/security.md", teamRule("security v2"))
	write(t, src, ".ai-rules/new.md", teamRule("new"))
	removeFile(t, src, ".ai-rules/style/go.md")
	want, _ = NativeRules(src, "")
	rep, err = c.Publish(context.Background(), want, false, "tester@host")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range rep.Actions {
		got = append(got, a.Op+" "+a.ID)
	}
	if !slices.Equal(got, []string{"update 00-global/security", "create new", "delete style/go"}) || rep.Unchanged != 0 {
		t.Fatalf("second publish: %v unchanged %d", got, rep.Unchanged)
	}
	rep, _ = c.Publish(context.Background(), want, false, "tester@host")
	if len(rep.Actions) != 0 || rep.Unchanged != 2 {
		t.Fatalf("third publish touched something: %+v", rep)
	}
	eventually(t, "mirrored", func() bool { return slices.Equal(teamIDs(ix), []string{"00-global/security", "new"}) })
	// Deleted and published again: the delete marker is the key's last revision.
	write(t, src, ".ai-rules/style/go.md", teamRule("go again"))
	want, _ = NativeRules(src, "")
	if _, err := c.Publish(context.Background(), want, false, "tester@host"); err != nil {
		t.Fatal(err)
	}
	h, err := c.History(context.Background(), "style/go")
	if err != nil || len(h) != 3 || h[2].Op != "put" || h[2].Author != "tester@host" {
		t.Fatalf("history after re-creation: %+v %v", h, err)
	}
}

func TestTeamReconnectsAfterServerRestart(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "a", teamRule("a"))
	root, db := teamWorkspace(t)
	ix := openTeam(t, root, db, ns.url(), nil)
	eventually(t, "a", func() bool { return slices.Equal(teamIDs(ix), []string{"a"}) })

	ns.stop()
	waitState(t, ix, TeamOffline)
	if got := teamIDs(ix); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("team rules lost while offline: %v", got)
	}
	probs := ix.Snapshot().Problems[TeamScheme+"://"+DefaultTeamBucket]
	if len(probs) != 1 || probs[0].Code != CodeTeamStatus || !strings.Contains(probs[0].Message, "offline") {
		t.Fatalf("status problem: %+v", probs)
	}
	ns.start()
	kv2 := createBucketClient(t, ns.url())
	kv2.put(t, "b", teamRule("b"))
	eventually(t, "b after restart", func() bool { return slices.Equal(teamIDs(ix), []string{"a", "b"}) })
	waitState(t, ix, TeamLive)
	eventually(t, "status problem cleared", func() bool {
		_, ok := ix.Snapshot().Problems[TeamScheme+"://"+DefaultTeamBucket]
		return !ok
	})
}

func TestTeamResumesFromTheStoredRevision(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	for _, id := range []string{"r1", "r2", "r3", "r4", "r5"} {
		kv.put(t, id, teamRule(id))
	}
	root, db := teamWorkspace(t)
	ix := openTeamNoCleanup(t, root, db, ns.url())
	eventually(t, "five rules", func() bool { return len(teamIDs(ix)) == 5 })
	rev := ix.TeamStatus().Revision
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	kv.put(t, "r1", teamRule("r1 v2"))
	kv.del(t, "r2")
	ix = openTeam(t, root, db, ns.url(), nil)
	// Served from the cache before any network.
	if st := ix.TeamStatus(); st.Rules != 5 || st.Revision != rev || !st.Cached {
		t.Fatalf("cached start: %+v", st)
	}
	eventually(t, "resumed", func() bool {
		return slices.Equal(teamIDs(ix), []string{"r1", "r3", "r4", "r5"}) && strings.Contains(teamBody(ix, "r1"), "v2")
	})
	if n := ix.TeamStatus().Received; n != 2 {
		t.Fatalf("resume read %d entries, want the 2 after revision %d", n, rev)
	}
}

func TestTeamOfflineStartServesTheCache(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "00-global/security", teamRule("security"))
	root, db := teamWorkspace(t)
	ix := openTeamNoCleanup(t, root, db, ns.url())
	eventually(t, "synced", func() bool { return len(teamIDs(ix)) == 1 })
	ix.Close()
	ns.stop()

	ix = openTeam(t, root, db, ns.url(), nil)
	if got := teamIDs(ix); !slices.Equal(got, []string{"00-global/security"}) {
		t.Fatalf("offline start: %v", got)
	}
	sel := ix.Snapshot().Context("main.go", "", nil, 0)
	if !slices.ContainsFunc(sel.Rules, func(r rules.Included) bool { return r.Rule.ID == "00-global/security" }) {
		t.Fatalf("cached team rule does not apply: %+v", sel)
	}
	waitState(t, ix, TeamOffline)
	line := ix.TeamStatus().Line(time.Now())
	if !strings.HasPrefix(line, "team: offline, revision 1, 0 s old") {
		t.Fatalf("status line %q", line)
	}
}

func TestTeamTwoMachinesConverge(t *testing.T) {
	ns := startNATS(t, nil)
	createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	rootA, dbA := teamWorkspace(t)
	rootB, dbB := teamWorkspace(t)
	a := openTeam(t, rootA, dbA, ns.url(), nil)
	b := openTeamNoCleanup(t, rootB, dbB, ns.url())
	waitState(t, a, TeamLive)
	waitState(t, b, TeamLive)

	c, err := DialTeam(context.Background(), TeamConfig{URL: ns.url()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := map[string][]byte{"00-global/security": []byte(teamRule("security")), "keep": []byte(teamRule("keep"))}
	start := time.Now()
	if _, err := c.Publish(context.Background(), want, false, ""); err != nil {
		t.Fatal(err)
	}
	withinTime(t, start, time.Second, "both machines", func() bool {
		return len(teamIDs(a)) == 2 && len(teamIDs(b)) == 2
	})

	// B goes away; the rule is deleted; B comes back and no longer has it.
	b.Close()
	delete(want, "00-global/security")
	if _, err := c.Publish(context.Background(), want, false, ""); err != nil {
		t.Fatal(err)
	}
	b = openTeam(t, rootB, dbB, ns.url(), nil)
	if got := teamIDs(b); len(got) != 2 {
		t.Fatalf("B's cache: %v", got)
	}
	eventually(t, "delete applied on reconnect", func() bool {
		return slices.Equal(teamIDs(b), []string{"keep"}) && slices.Equal(teamIDs(a), []string{"keep"})
	})
}

// within waits for cond until d after start, polling.
func withinTime(t testing.TB, start time.Time, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s not within %v", what, d)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func removeFile(t testing.TB, dir, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

func openTeamNoCleanup(t testing.TB, root, db, url string) *Index {
	t.Helper()
	ix, err := Open(context.Background(), Options{Root: root, DBPath: db, Watch: true, Team: TeamConfig{URL: url},
		teamBackoff: 20 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func createBucketClient(t testing.TB, url string) *testKV {
	t.Helper()
	k := createBucket(t, url, jetstream.KeyValueConfig{}) // an existing bucket with the same config is returned
	return k
}

// A delete whose marker was purged while this machine was away leaves no revision to
// resume from; the key listing on reconnect still removes the rule.
func TestTeamDeleteWithPurgedMarkerIsApplied(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "keep", teamRule("keep"))
	kv.put(t, "gone", teamRule("gone"))
	root, db := teamWorkspace(t)
	ix := openTeamNoCleanup(t, root, db, ns.url())
	eventually(t, "two rules", func() bool { return len(teamIDs(ix)) == 2 })
	ix.Close()

	kv.del(t, "gone")
	if err := kv.kv.PurgeDeletes(context.Background(), jetstream.DeleteMarkersOlderThan(-1)); err != nil {
		t.Fatal(err)
	}
	ix = openTeam(t, root, db, ns.url(), nil)
	eventually(t, "purged delete applied", func() bool { return slices.Equal(teamIDs(ix), []string{"keep"}) })
	if n := ix.TeamStatus().Received; n != 0 {
		t.Fatalf("read %d entries; the purge left none after the cached revision", n)
	}
}

func TestTeamSyncOnceForTheCLI(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	kv.put(t, "a", teamRule("a"))
	root, db := teamWorkspace(t)
	ix := open(t, Options{Root: root, DBPath: db, Team: TeamConfig{URL: ns.url()}}) // no Watch: a one-shot process
	if st := ix.TeamStatus(); st.State != TeamConnecting || st.Rules != 0 {
		t.Fatalf("before the sync: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ch, err := ix.SyncTeam(ctx)
	if err != nil || !slices.Equal(ch.Added, []string{"a"}) || !slices.Equal(teamIDs(ix), []string{"a"}) {
		t.Fatalf("sync: %+v %v", ch, err)
	}
	if st := ix.TeamStatus(); st.State != TeamLive || st.Cached || st.Revision != 1 {
		t.Fatalf("after the sync: %+v", st)
	}
	ns.stop()
	if _, err := ix.SyncTeam(ctx); err == nil || ix.TeamStatus().State != TeamOffline {
		t.Fatalf("sync without a server: %v %+v", err, ix.TeamStatus())
	}
	if !slices.Equal(teamIDs(ix), []string{"a"}) {
		t.Fatal("a failed sync dropped the team rules")
	}
}
