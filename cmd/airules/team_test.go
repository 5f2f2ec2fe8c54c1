package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/index"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsURL starts a real NATS server with JetStream in this process, on loopback.
func natsURL(t *testing.T) (string, func()) {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	stop := func() { s.Shutdown(); s.WaitForShutdown() }
	t.Cleanup(stop)
	return s.ClientURL(), stop
}

func writeRule(t *testing.T, root, id, desc string) {
	t.Helper()
	p := filepath.Join(root, ".ai-rules", filepath.FromSlash(id)+".md")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	text := "---\ndescription: " + desc + "\nalwaysApply: true\n---\n\n" + desc + ".\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// teamCLI runs the CLI with one cache and config folder for the whole test.
type teamCLI struct {
	t          *testing.T
	cache, cfg string
}

func newTeamCLI(t *testing.T) *teamCLI {
	return &teamCLI{t: t, cache: t.TempDir(), cfg: t.TempDir()}
}

func (c *teamCLI) run(args ...string) (int, string, string) {
	c.t.Helper()
	c.t.Setenv("XDG_CACHE_HOME", c.cache)
	c.t.Setenv("XDG_CONFIG_HOME", c.cfg)
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTeamCommands(t *testing.T) {
	url, stop := natsURL(t)
	t.Setenv(index.TeamEnvURL, url)
	cli := newTeamCLI(t)
	src := t.TempDir()
	writeRule(t, src, "00-global/security", "security")
	writeRule(t, src, "style/go", "go style")

	code, out, errs := cli.run("team", "publish", src)
	if code != 1 || !strings.Contains(errs, "airules team init") {
		t.Fatalf("publish without a bucket: %d %q %q", code, out, errs)
	}
	for i, want := range []string{"created bucket airules-team with 1 replicas", "exists with 1 replicas; nothing to do"} {
		code, out, errs = cli.run("team", "init", "--replicas", "1")
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("init #%d: %d %q %q", i+1, code, out, errs)
		}
	}
	code, out, _ = cli.run("team", "publish", "--dry-run", src)
	if code != 0 || !strings.Contains(out, "would create 00-global/security\nwould create style/go\n0 unchanged, 2 to change") {
		t.Fatalf("dry run: %d %q", code, out)
	}
	code, out, errs = cli.run("team", "publish", src)
	if code != 0 || !strings.Contains(out, "create 00-global/security (revision 1)") || !strings.Contains(out, "create style/go (revision 2)") {
		t.Fatalf("publish: %d %q %q", code, out, errs)
	}
	code, out, _ = cli.run("team", "publish", src)
	if code != 0 || !strings.Contains(out, "2 unchanged, 0 changed") {
		t.Fatalf("publish again: %d %q", code, out)
	}

	// A workspace of another machine sees the team rules in airules rules.
	ws := t.TempDir()
	writeRule(t, ws, "local", "local rule")
	code, out, errs = cli.run("rules", "--root", ws, "--json")
	if code != 0 {
		t.Fatalf("rules: %d %s", code, errs)
	}
	var res struct {
		Rules []struct{ ID, Layer string }
		Team  string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Team != "team: live, revision 2" {
		t.Fatalf("team line %q", res.Team)
	}
	got := map[string]string{}
	for _, r := range res.Rules {
		got[r.ID] = r.Layer
	}
	if got["00-global/security"] != "team" || got["style/go"] != "team" || got["local"] != "project" {
		t.Fatalf("rules: %v", got)
	}

	code, out, _ = cli.run("team", "history", "style/go")
	if code != 0 || !regexp.MustCompile(`(?m)^2\s+put\s+\S+Z\s+\S+\s+\d+$`).MatchString(out) || strings.Count(out, "\n") != 2 {
		t.Fatalf("history: %d %q", code, out)
	}
	code, out, _ = cli.run("team", "status", "--root", ws)
	if code != 0 || !regexp.MustCompile(`(?m)^revision\s+2$`).MatchString(out) || !regexp.MustCompile(`(?m)^cache\s+revision 2, 2 rules`).MatchString(out) {
		t.Fatalf("status: %d %q", code, out)
	}

	// The server goes away: the CLI answers from the cache and says so.
	stop()
	code, out, errs = cli.run("rules", "--root", ws, "--team-timeout", "300ms")
	if code != 0 || !strings.Contains(out, "00-global/security") || !strings.Contains(errs, "team: offline, revision 2") ||
		!regexp.MustCompile(`(?m)^team: offline, revision 2, \d+ s old`).MatchString(out) ||
		!strings.Contains(errs, "answering from the cache") {
		t.Fatalf("offline rules: %d %q %q", code, out, errs)
	}
	code, out, _ = cli.run("team", "status", "--root", ws, "--team-timeout", "300ms")
	if code != 1 || !regexp.MustCompile(`(?m)^connection\s+connect to `).MatchString(out) ||
		!regexp.MustCompile(`(?m)^cache\s+revision 2, 2 rules`).MatchString(out) {
		t.Fatalf("status offline: %d %q", code, out)
	}
}

// A broken team value is the team's problem: a workspace's lint stays clean.
func TestTeamLintSkipsTeamRules(t *testing.T) {
	url, _ := natsURL(t)
	t.Setenv(index.TeamEnvURL, url)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kv, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: index.DefaultTeamBucket})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(context.Background(), "broken", []byte{0, 0xff}); err != nil {
		t.Fatal(err)
	}
	cli := newTeamCLI(t)
	ws := t.TempDir()
	writeRule(t, ws, "local", "local rule")
	code, out, errs := cli.run("lint", "--root", ws)
	if code != 0 || strings.Contains(out, "airules-team") {
		t.Fatalf("lint with a broken team rule: %d %q %q", code, out, errs)
	}
	code, out, _ = cli.run("rules", "--root", ws)
	if code != 0 || !regexp.MustCompile(`(?m)^broken\s+team\s`).MatchString(out) {
		t.Fatalf("the broken team rule is not listed: %q", out)
	}
}

func TestTeamInlineSecretIsReported(t *testing.T) {
	cli := newTeamCLI(t)
	ws := t.TempDir()
	writeRule(t, ws, "local", "local rule")
	cfg := "team:\n  url: nats://user:hunter2@127.0.0.1:1\n  token: s3cr3t\n"
	if err := os.WriteFile(filepath.Join(ws, ".ai-rules", "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli.run("lint", "--root", ws, "--team-timeout", "200ms")
	if code != 1 || !strings.Contains(out, "config.yaml:2:8: error AIR901") || !strings.Contains(out, "config.yaml:3:10: error AIR901") {
		t.Fatalf("lint: %d %q %q", code, out, errs)
	}
	out += errs
	if strings.Contains(errs, "hunter2") || strings.Contains(errs, "s3cr3t") {
		t.Fatalf("a secret reached stderr: %q", errs)
	}
}

// TestTeamAgainstNATSServerBinary runs the README's way: Debian's nats-server with
// JetStream on a free port, airules team init and publish, and a live index that sees
// the rules. .ci/run installs the package; without it the test skips, except in CI.
func TestTeamAgainstNATSServerBinary(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nats-server is not installed (apt-get install nats-server)")
		}
		t.Skip("nats-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", t.TempDir())
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := nats.Connect(url, nats.Timeout(time.Second))
		if err == nil {
			nc.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("nats-server exited: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server does not answer: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond) // the process is starting; poll its port
	}

	cli := newTeamCLI(t)
	if code, out, errs := cli.run("team", "init", "--url", url); code != 0 {
		t.Fatalf("init: %q %q", out, errs)
	}
	ws := t.TempDir()
	writeRule(t, ws, "local", "local rule")
	var got []string
	ix, err := index.Open(context.Background(), index.Options{Root: ws, DBPath: filepath.Join(t.TempDir(), "i.db"),
		Watch: true, Team: index.TeamConfig{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	src := t.TempDir()
	writeRule(t, src, "00-global/security", "security")
	if code, out, errs := cli.run("team", "publish", "--url", url, src); code != 0 {
		t.Fatalf("publish: %q %q", out, errs)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		got = got[:0]
		for _, r := range ix.Snapshot().Rules.Rules() {
			got = append(got, r.Layer.String()+":"+r.ID)
		}
		if strings.Contains(strings.Join(got, " "), "team:00-global/security") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the published rule did not arrive: %v (%+v)", got, ix.TeamStatus())
		}
		time.Sleep(5 * time.Millisecond) // polling the snapshot for the rule
	}
}
