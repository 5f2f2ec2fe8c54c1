package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkContextVSCode is BenchmarkContextStdio with VS Code's own JSON-RPC library
// as the client (editors/vscode/e2e/bench-client.mjs, run by node with the extension's
// node_modules): what the extension sees, decoding included. It needs node and
// `npm ci` in editors/vscode.
//
//	go test ./cmd/airules -run XXX -bench VSCode -benchtime 1x
func BenchmarkContextVSCode(b *testing.B) {
	bin := builtBinary(b)
	node, err := exec.LookPath("node")
	script, _ := filepath.Abs("../../editors/vscode/e2e/bench-client.mjs")
	if _, serr := os.Stat("../../editors/vscode/node_modules/vscode-jsonrpc"); err != nil || serr != nil {
		b.Skip("needs node and npm ci in editors/vscode")
	}
	maxTokens := benchMaxTokens(b)
	for _, n := range rulesSizes(b) {
		for _, start := range []string{"cold", "warm"} {
			b.Run(fmt.Sprintf("rules=%d/start=%s", n, start), func(b *testing.B) {
				sh := benchWorkspace(b, n)
				sources := filepath.Join(b.TempDir(), "sources.json")
				data, _ := json.Marshal(sh.Sources)
				if err := os.WriteFile(sources, data, 0o644); err != nil {
					b.Fatal(err)
				}
				const requests = 600
				for b.Loop() {
					cmd := exec.Command(node, script, bin, sh.Root, b.TempDir(), strconv.Itoa(maxTokens), sources, strconv.Itoa(requests), start)
					cmd.Stderr = os.Stderr
					out, err := cmd.Output()
					if err != nil {
						b.Fatalf("bench client: %v", err)
					}
					var res struct {
						Lat, Floor             []float64
						First                  []bool
						Bytes, RSS             int64
						Included, Listed, More int
						Steal, ServerCPU       *float64
					}
					if err := json.Unmarshal(out, &res); err != nil {
						b.Fatalf("bench client said %q: %v", out, err)
					}
					run := stdioRun{lat: res.Lat, floor: res.Floor, first: res.First, bytes: res.Bytes, rssMB: float64(res.RSS) / 1024,
						applicable: res.Included + res.Listed + res.More, included: res.Included, steal: -1}
					if res.Steal != nil {
						run.steal = *res.Steal
					}
					run.serverCPU = -1
					if res.ServerCPU != nil {
						run.serverCPU = *res.ServerCPU
					}
					reportRoundTrips(b, run)
				}
			})
		}
	}
}
