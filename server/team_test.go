package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/index"
	"github.com/airules/airules/server/wire"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// A team rule published while an editor is open reaches it like a change on disk:
// airules/indexChanged, the rule in the context, and a broken value as diagnostics on
// its airules-team:// URI; also when the client alone watches the files.
func TestTeamRulesReachTheEditor(t *testing.T) {
	for _, watch := range []string{watchAuto, watchClient} {
		t.Run(watch, func(t *testing.T) { teamRulesReachTheEditor(t, watch) })
	}
}

func teamRulesReachTheEditor(t *testing.T, watch string) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "airules-team"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, text string) {
		t.Helper()
		if _, err := kv.Put(ctx, key, []byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	put("00-global/house", "---\ndescription: house style\nalwaysApply: true\n---\nTEAM HOUSE BODY\n")

	root := copyExample(t)
	e := start(t, root, sessionOptions{initOptions: map[string]any{"watch": watch, "team": map[string]any{"url": ns.ClientURL()}}})
	e.waitReady()
	inContext := func(body string) func() bool {
		return func() bool {
			c, err := e.context(e.uri(liveview), nil)
			return err == nil && strings.Contains(c.Prompt, body)
		}
	}
	// The first index does not wait for the team server: the rule arrives after it.
	deadline := time.Now().Add(10 * time.Second)
	for !inContext("TEAM HOUSE BODY")() {
		if time.Now().After(deadline) {
			t.Fatal("the team rule never reached the context")
		}
		e.afterChange()
	}

	e.rec.mu.Lock()
	last := e.rec.generations[len(e.rec.generations)-1]
	e.rec.mu.Unlock()
	put("00-global/new", "---\ndescription: new team rule\nalwaysApply: true\n---\nTEAM NEW BODY\n")
	e.rec.waitFor(t, time.Second, "airules/indexChanged after a publish", func() bool {
		return e.rec.generations[len(e.rec.generations)-1] > last
	})
	if !inContext("TEAM NEW BODY")() {
		t.Fatal("the published rule is not in the context")
	}

	var list wire.RulesResult
	if err := e.call("airules/rules", map[string]any{}, &list); err != nil || list.Team != "team: live, revision 2" {
		t.Fatalf("airules/rules team %q %v", list.Team, err)
	}

	var text struct {
		Text     string
		Revision uint64
	}
	if err := e.call("airules/teamRule", map[string]any{"uri": "airules-team://airules-team/00-global/new"}, &text); err != nil ||
		!strings.Contains(text.Text, "TEAM NEW BODY") || text.Revision != 2 {
		t.Fatalf("airules/teamRule: %+v %v", text, err)
	}
	if err := e.call("airules/teamRule", map[string]any{"uri": "file:///etc/passwd"}, &text); rpcCode(err) != jsonrpc2.InvalidParams {
		t.Fatalf("a file URI: %v", err)
	}

	put("bad", string([]byte{0, 1, 2, 0xff}))
	e.waitDiagnostics("airules-team://airules-team/bad", "diagnostics of a binary team value", func(ds []protocol.Diagnostic) bool {
		return hasCode(ds, "AIR016") != nil
	})
}

func TestTeamSetting(t *testing.T) {
	base := defaultConfig()
	cfg, warn := base.applySettings(json.RawMessage(`{"airules": {"team": {"url": "nats://a:4222", "bucket": "house",
		"creds": "/home/me/team.creds", "tls": {"ca": "/etc/ca.pem"}}}}`))
	want := index.TeamConfig{URL: "nats://a:4222", Bucket: "house", Creds: "/home/me/team.creds", TLS: index.TeamTLS{CA: "/etc/ca.pem"}}
	if cfg.Team != want || len(warn) != 0 || !base.reopenNeeded(cfg) {
		t.Fatalf("team setting %+v, warnings %v", cfg.Team, warn)
	}
	bad, warn := cfg.applySettings(json.RawMessage(`{"team": {"url": 5}}`))
	if bad.Team != want || len(warn) != 1 || cfg.reopenNeeded(bad) {
		t.Fatalf("a bad team setting must be ignored with a warning: %+v %v", bad.Team, warn)
	}
}
