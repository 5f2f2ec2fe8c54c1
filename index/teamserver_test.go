package index

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsServer is a real NATS server with JetStream, in this process, on loopback.
type natsServer struct {
	t    testing.TB
	opts server.Options
	srv  *server.Server
	mu   sync.Mutex
}

// startNATS starts a server on a free loopback port with a temporary store. tweak may
// change its options (authentication, payload size).
func startNATS(t testing.TB, tweak func(*server.Options)) *natsServer {
	t.Helper()
	n := &natsServer{t: t, opts: server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, ServerName: "airules-test",
	}}
	if tweak != nil {
		tweak(&n.opts)
	}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *natsServer) start() {
	n.t.Helper()
	if err := n.startErr(); err != nil {
		n.t.Fatal(err)
	}
}

// startErr starts the server; it may run on another goroutine than the test's.
func (n *natsServer) startErr() error {
	o := n.opts
	s, err := server.NewServer(&o)
	if err != nil {
		return err
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return fmt.Errorf("nats server %s not ready", o.ServerName)
	}
	n.mu.Lock()
	n.srv = s
	// A restart comes back on the same port, as a real server would.
	n.opts.Port = s.Addr().(*net.TCPAddr).Port
	n.mu.Unlock()
	return nil
}

func (n *natsServer) stop() {
	n.mu.Lock()
	s := n.srv
	n.srv = nil
	n.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// testKV is a client of the bucket, as another machine's publisher would be.
type testKV struct {
	nc *nats.Conn
	js jetstream.JetStream
	kv jetstream.KeyValue
}

// createBucket creates the default bucket on the server at url and returns a client.
func createBucket(t testing.TB, url string, cfg jetstream.KeyValueConfig, opts ...nats.Option) *testKV {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultTeamBucket
	}
	if cfg.History == 0 {
		cfg.History = 10
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv, err := js.CreateKeyValue(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testKV{nc: nc, js: js, kv: kv}
}

func (k *testKV) put(t testing.TB, id, content string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rev, err := k.kv.Put(ctx, TeamKey(id), []byte(content))
	if err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
	return rev
}

func (k *testKV) del(t testing.TB, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := k.kv.Delete(ctx, TeamKey(id)); err != nil {
		t.Fatalf("delete %s: %v", id, err)
	}
}

// teamWorkspace is a workspace with one local rule, and its own cache file.
func teamWorkspace(t testing.TB) (root, db string) {
	t.Helper()
	root = t.TempDir()
	write(t, root, ".ai-rules/local/style.md", ruleText("local style", "**/*.go"))
	write(t, root, "main.go", "package main\n")
	return root, filepath.Join(t.TempDir(), "index.db")
}

// openTeam opens a live index of root with the team source at url.
func openTeam(t testing.TB, root, db, url string, tweak func(*Options)) *Index {
	t.Helper()
	opt := Options{Root: root, DBPath: db, Watch: true, Team: TeamConfig{URL: url},
		teamBackoff: 20 * time.Millisecond, TeamTimeout: 2 * time.Second}
	if tweak != nil {
		tweak(&opt)
	}
	return open(t, opt)
}

// teamIDs is the ids of the team rules of the current snapshot, sorted.
func teamIDs(ix *Index) []string {
	var out []string
	for _, r := range ix.Snapshot().Rules.Rules() {
		if r.Layer.String() == "team" {
			out = append(out, r.ID)
		}
	}
	return out
}

// teamBody is the body of the team rule id, or "" if there is none.
func teamBody(ix *Index, id string) string {
	r := ix.Snapshot().Rules.Rule(TeamURI(DefaultTeamBucket, TeamKey(id)))
	if r == nil {
		return ""
	}
	return r.Body
}

func waitState(t testing.TB, ix *Index, st TeamState) {
	t.Helper()
	eventually(t, "team state "+string(st), func() bool { return ix.TeamStatus().State == st })
}
