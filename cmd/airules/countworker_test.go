package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/server/wire"
)

// count-worker is internal: not in the help, and it ends cleanly with its input or
// fails on a damaged one.
func TestCountWorkerCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--help"}, strings.NewReader(""), &out, &errb); code != 0 || strings.Contains(out.String(), "count-worker") {
		t.Errorf("--help: code %d, lists count-worker: %v", code, strings.Contains(out.String(), "count-worker"))
	}
	out.Reset()
	if code := run([]string{"count-worker"}, strings.NewReader(""), &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("empty input: code %d, output %q, stderr %q", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"count-worker"}, strings.NewReader("\x01\x09garbage"), &out, &errb); code != 1 || !strings.Contains(errb.String(), "count-worker") {
		t.Errorf("damaged input: code %d, stderr %q", code, errb.String())
	}
}

// The built server counts in a worker process of its own (its child `airules
// count-worker`), and its answers carry the counts the CLI makes in-process.
func TestServerCountsInAWorkerProcess(t *testing.T) {
	bin, _ := stampedBinary(t)
	ws := t.TempDir()
	files := map[string]string{"main.go": "package main\n"}
	for i := range 30 {
		files[fmt.Sprintf(".ai-rules/00-global/r%02d.md", i)] = fmt.Sprintf("---\ndescription: Rule %d\npriority: %d\nalwaysApply: true\n---\n- Rule %d says: %s\n", i, 100-i, i, strings.Repeat("keep it short and clear, ", 5+i))
	}
	writeFiles(t, ws, files)
	srv := startServer(t, bin, t.TempDir(), ws, false)
	defer srv.stop()
	var got wire.ContextResult
	if err := json.Unmarshal(srv.context(t, "main.go", 300), &got); err != nil {
		t.Fatal(err)
	}
	if children := childCommands(srv.cmd.Process.Pid); len(children) != 1 || !strings.HasSuffix(children[0], "count-worker") {
		t.Errorf("the server's children: %q, want its count worker", children)
	}
	want := cliContext(t, ws, filepath.Join(ws, "main.go"), "--max-tokens", "300")
	if len(got.Rules) == 0 || len(got.Omitted) == 0 || got.Tokens != want.Tokens || len(got.Rules) != len(want.Rules) || len(got.Omitted) != len(want.Omitted) {
		t.Fatalf("server: %d rules, %d omitted, %d tokens; CLI: %d, %d, %d", len(got.Rules), len(got.Omitted), got.Tokens, len(want.Rules), len(want.Omitted), want.Tokens)
	}
	for i := range got.Rules {
		if got.Rules[i].Tokens != want.Rules[i].Tokens {
			t.Errorf("rule %s: %d tokens, the CLI counts %d", got.Rules[i].ID, got.Rules[i].Tokens, want.Rules[i].Tokens)
		}
	}
	for i := range got.Omitted {
		if got.Omitted[i].Tokens != want.Omitted[i].Tokens {
			t.Errorf("omitted %s: %d tokens, the CLI counts %d", got.Omitted[i].ID, got.Omitted[i].Tokens, want.Omitted[i].Tokens)
		}
	}
}

// childCommands lists the command lines of a process's children (Linux; none
// elsewhere): each of its threads lists those it started.
func childCommands(pid int) []string {
	lists, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []string
	for _, l := range lists {
		if data, err := os.ReadFile(l); err == nil {
			pids = append(pids, strings.Fields(string(data))...)
		}
	}
	var out []string
	for _, f := range pids {
		cmdline, err := os.ReadFile("/proc/" + f + "/cmdline")
		if err == nil {
			out = append(out, strings.Join(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), " "))
		}
	}
	return out
}
