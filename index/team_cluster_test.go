package index

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startCluster starts three JetStream servers in this process, routed to each other on
// loopback. A clustered JetStream server needs its routes when it starts, so the route
// ports are taken from the system first.
func startCluster(t *testing.T) []*natsServer {
	t.Helper()
	ports := make([]int, 3)
	var routes []string
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	nodes := make([]*natsServer, 3)
	done := make(chan error, 3)
	for i := range nodes {
		nodes[i] = &natsServer{t: t, opts: server.Options{
			Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
			ServerName: fmt.Sprintf("n%d", i+1),
			Cluster:    server.ClusterOpts{Name: "airules", Host: "127.0.0.1", Port: ports[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		}}
		t.Cleanup(nodes[i].stop)
	}
	// They start together: each waits for the others' routes.
	for _, n := range nodes {
		go func() { done <- n.startErr() }()
	}
	for range nodes {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	return nodes
}

func clusterURL(nodes []*natsServer) string {
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.url())
	}
	return strings.Join(urls, ",")
}

// retry runs op until it succeeds or the deadline passes: a put while a node is down or
// a leader is being elected may fail, and is tried again.
func retry(t *testing.T, what string, op func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := op(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond) // back off before trying again; nothing is awaited here
	}
}

func TestTeamClusterLosesANodeWithoutLosingARule(t *testing.T) {
	if testing.Short() {
		t.Skip("three servers")
	}
	nodes := startCluster(t)
	url := clusterURL(nodes)
	nc, err := nats.Connect(url, nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DialTeam(context.Background(), TeamConfig{URL: url}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	retry(t, "team init --replicas 3", func(ctx context.Context) error {
		_, err := c.Init(ctx, 3)
		return err
	})
	c.Close()
	var kv jetstream.KeyValue
	retry(t, "bind", func(ctx context.Context) (err error) {
		kv, err = js.KeyValue(ctx, DefaultTeamBucket)
		return err
	})
	st, err := kv.Status(context.Background())
	if err != nil || st.Config().Replicas != 3 {
		t.Fatalf("replicas: %v %v", st, err)
	}

	rootA, dbA := teamWorkspace(t)
	rootB, dbB := teamWorkspace(t)
	a := openTeam(t, rootA, dbA, url, nil)
	b := openTeam(t, rootB, dbB, url, nil)
	waitState(t, a, TeamLive)
	waitState(t, b, TeamLive)

	want := map[string]string{}
	for i := range 200 {
		if i == 100 {
			// Stop the stream's leader half way.
			info, err := js.Stream(context.Background(), "KV_"+DefaultTeamBucket)
			if err != nil {
				t.Fatal(err)
			}
			leader := info.CachedInfo().Cluster.Leader
			for _, n := range nodes {
				if n.opts.ServerName == leader {
					n.stop()
				}
			}
		}
		id := fmt.Sprintf("rules/r%03d", i%70)
		if i%7 == 6 {
			delete(want, id)
			retry(t, "delete "+id, func(ctx context.Context) error {
				err := kv.Delete(ctx, id)
				return err
			})
			continue
		}
		desc := fmt.Sprintf("change %d", i)
		body := teamRule(desc)
		want[id] = desc
		retry(t, "put "+id, func(ctx context.Context) error {
			_, err := kv.Put(ctx, id, []byte(body))
			return err
		})
	}
	same := func(ix *Index) bool {
		got := map[string]string{}
		for _, r := range ix.Snapshot().Rules.Rules() {
			if r.Layer.String() == "team" {
				if _, dup := got[r.ID]; dup {
					return false
				}
				got[r.ID] = r.Description
			}
		}
		if len(got) != len(want) {
			return false
		}
		return maps.Equal(got, want)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !same(a) || !same(b) {
		if time.Now().After(deadline) {
			t.Fatalf("clients did not converge: a has %d, b has %d, want %d (a %+v)", len(teamIDs(a)), len(teamIDs(b)),
				len(want), a.TeamStatus())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := slices.Sorted(maps.Keys(want)); !slices.Equal(teamIDs(a), got) {
		t.Fatalf("ids: %v", teamIDs(a))
	}
}
