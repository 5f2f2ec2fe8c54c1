package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"
	"github.com/airules/airules/testdata/gen"
	"go.lsp.dev/jsonrpc2"
)

// These benchmarks measure what a user's editor sees: the built binary, started as a
// process and driven over stdio by a JSON-RPC client, on workspaces of the shape of
// testdata/gen (hundreds of applicable rules per file).
//
//	go test ./cmd/airules -run XXX -bench 'Stdio|CLI' -benchtime 1x

var builtOnce struct {
	sync.Once
	path string
	err  error
}

// builtBinary builds airules once per test process.
func builtBinary(b *testing.B) string {
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "airules-bin-")
		if err != nil {
			builtOnce.err = err
			return
		}
		builtOnce.path = filepath.Join(dir, "airules")
		out, err := exec.Command("go", "build", "-o", builtOnce.path, ".").CombinedOutput()
		if err != nil {
			builtOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if builtOnce.err != nil {
		b.Fatal(builtOnce.err)
	}
	return builtOnce.path
}

var workspaces = map[int]gen.Shape{}

func benchWorkspace(b *testing.B, n int) gen.Shape {
	if sh, ok := workspaces[n]; ok {
		return sh
	}
	sh, err := gen.Workspace(filepath.Join(os.TempDir(), fmt.Sprintf("airules-bench-ws-%d-%d", n, os.Getpid())), n)
	if err != nil {
		b.Fatal(err)
	}
	// Kept for the other benchmarks of this run; cleanupBench removes it.
	workspaces[n] = sh
	return sh
}

// cleanupBench removes what the benchmarks generated; TestMain calls it.
func cleanupBench() {
	for _, sh := range workspaces {
		os.RemoveAll(sh.Root)
	}
	if builtOnce.path != "" {
		os.RemoveAll(filepath.Dir(builtOnce.path))
	}
}

var benchRuleCounts = []int{1_000, 10_000, 50_000}

func rulesSizes(b *testing.B) []int {
	if s := os.Getenv("AIRULES_BENCH_RULES"); s != "" {
		var out []int
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("AIRULES_BENCH_RULES: %v", err)
			}
			out = append(out, n)
		}
		return out
	}
	return benchRuleCounts
}

// BenchmarkContextStdio: 600 airules/context requests for random source files,
// against a transport floor measured in the same run (a hover on an untitled: buffer,
// answered at once), and the server's resident memory afterwards. start=cold is a
// server's first start on the workspace (an empty cache: its requests race the
// background token counting); start=warm the start after a session that asked for every
// source file once and shut down (the counts are stored), which is what an editor sees
// every day after the first. AIRULES_BENCH_MAXTOKENS sets the requests' budget (default
// 8000, the workload).
func BenchmarkContextStdio(b *testing.B) {
	bin := builtBinary(b)
	maxTokens := benchMaxTokens(b)
	for _, n := range rulesSizes(b) {
		for _, start := range []string{"cold", "warm"} {
			b.Run(fmt.Sprintf("rules=%d/start=%s", n, start), func(b *testing.B) {
				sh := benchWorkspace(b, n)
				for b.Loop() {
					b.StopTimer()
					cache := b.TempDir()
					if start == "warm" {
						srv := startServer(b, bin, cache, sh.Root, false)
						for _, rel := range sh.Sources {
							srv.context(b, rel, maxTokens)
						}
						srv.waitCounted(b)
						srv.stop()
					}
					b.StartTimer()
					runContextStdio(b, startServer(b, bin, cache, sh.Root, os.Getenv("AIRULES_BENCH_PROFILE") != ""), sh, maxTokens)
				}
			})
		}
	}
}

// benchServer is `airules serve --stdio` driven by a JSON-RPC client.
type benchServer struct {
	cmd     *exec.Cmd
	conn    jsonrpc2.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	rootURI string
	// countingBegan is closed when the server reports a token counting round with
	// $/progress, countingEnded when it reports its end.
	countingBegan, countingEnded chan struct{}
}

// waitCounted waits for the end of the token counting the server reported, if it
// reported one: a session that ends after it stored every count.
func (s *benchServer) waitCounted(b testing.TB) {
	select {
	case <-s.countingBegan:
	default:
		return
	}
	select {
	case <-s.countingEnded:
	case <-s.ctx.Done():
		b.Fatal("the token counting never ended")
	}
}

// startServer starts the server on root with its cache in cache and returns once its
// index is ready (the first airules/indexChanged). With profile, the server writes its
// CPU and heap profiles into AIRULES_BENCH_PROFILE.
func startServer(b testing.TB, bin, cache, root string, profile bool) *benchServer {
	args := []string{"serve", "--stdio", "--log-level", "error"}
	if profile {
		dir := os.Getenv("AIRULES_BENCH_PROFILE")
		args = append(args, "--profile-cpu", filepath.Join(dir, "cpu.pprof"), "--profile-mem", filepath.Join(dir, "mem.pprof"))
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "XDG_CONFIG_HOME="+cache)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	srv := &benchServer{cmd: cmd, ctx: ctx, cancel: cancel, rootURI: wire.FileURI(root),
		countingBegan: make(chan struct{}), countingEnded: make(chan struct{})}
	var began, ended sync.Once
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); cancel() })
	ready := make(chan struct{}, 1)
	srv.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(pipeRWC{stdout, stdin}))
	srv.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		switch req.Method() {
		case "airules/indexChanged":
			select {
			case ready <- struct{}{}:
			default:
			}
		case "$/progress":
			var p struct {
				Token string `json:"token"`
				Value struct {
					Kind string `json:"kind"`
				} `json:"value"`
			}
			if json.Unmarshal(req.Params(), &p) == nil && strings.HasPrefix(p.Token, "airules-tokens-") {
				switch p.Value.Kind {
				case "begin":
					began.Do(func() { close(srv.countingBegan) })
				case "end":
					ended.Do(func() { close(srv.countingEnded) })
				}
			}
		}
		return reply(ctx, nil, nil)
	})
	if _, err := srv.conn.Call(ctx, "initialize", map[string]any{
		"rootUri": srv.rootURI, "capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true}},
		"workspaceFolders": []map[string]any{{"uri": srv.rootURI, "name": "bench"}},
	}, nil); err != nil {
		b.Fatal(err)
	}
	_ = srv.conn.Notify(ctx, "initialized", map[string]any{})
	select {
	case <-ready:
	case <-ctx.Done():
		b.Fatal("the index never became ready")
	}
	return srv
}

// context asks airules/context for rel and returns the raw answer.
func (s *benchServer) context(b testing.TB, rel string, maxTokens int) json.RawMessage {
	var raw json.RawMessage
	if _, err := s.conn.Call(s.ctx, "airules/context", map[string]any{
		"textDocument": map[string]any{"uri": s.rootURI + "/" + rel}, "maxTokens": maxTokens,
	}, &raw); err != nil {
		b.Fatal(err)
	}
	return raw
}

// stop shuts the server down as an editor does and waits for it to exit, so that what
// it stores as it closes is on disk.
func (s *benchServer) stop() {
	_, _ = s.conn.Call(s.ctx, "shutdown", nil, nil)
	_ = s.conn.Notify(s.ctx, "exit", nil)
	_ = s.cmd.Wait()
}

func runContextStdio(b *testing.B, srv *benchServer, sh gen.Shape, maxTokens int) {
	rng := rand.New(rand.NewPCG(1, 2))
	const requests = 600
	floor := make([]time.Duration, 0, requests)
	lat := make([]time.Duration, 0, requests)
	size, applied, included := 0, 0, 0
	ticks0, server0 := readCPUTicks(), processCPU(srv.cmd.Process.Pid)
	for range requests {
		t0 := time.Now()
		if _, err := srv.conn.Call(srv.ctx, "textDocument/hover", map[string]any{
			"textDocument": map[string]any{"uri": "untitled:floor"}, "position": map[string]any{"line": 0, "character": 0},
		}, nil); err != nil {
			b.Fatal(err)
		}
		floor = append(floor, time.Since(t0))
		rel := sh.Sources[rng.IntN(len(sh.Sources))]
		t0 = time.Now()
		raw := srv.context(b, rel, maxTokens)
		lat = append(lat, time.Since(t0))
		size += len(raw)
		var res struct {
			Rules       []json.RawMessage `json:"rules"`
			Omitted     []json.RawMessage `json:"omitted"`
			MoreOmitted int               `json:"moreOmitted"`
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			b.Fatal(err)
		}
		applied += len(res.Rules) + len(res.Omitted) + res.MoreOmitted
		included += len(res.Rules)
	}
	steal := stealPercent(ticks0, readCPUTicks())
	serverCPU := -1.0
	if server1 := processCPU(srv.cmd.Process.Pid); server0 >= 0 && server1 >= 0 {
		serverCPU = server1 - server0
	}
	rss := vmRSS(srv.cmd.Process.Pid)
	if os.Getenv("AIRULES_BENCH_TRACE") != "" {
		for i, d := range lat {
			if d > 3*time.Millisecond {
				b.Logf("request %d: %v", i, d)
			}
		}
	}
	ms := func(d []time.Duration) []float64 {
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x) / 1e6
		}
		return out
	}
	reportRoundTrips(b, stdioRun{lat: ms(lat), floor: ms(floor), bytes: int64(size), rssMB: float64(rss) / (1 << 20), applicable: applied, included: included, steal: steal, serverCPU: serverCPU})
	srv.stop() // the profiles, if any, are written as the server exits
}

// benchMaxTokens is the requests' budget: AIRULES_BENCH_MAXTOKENS, else 8000 (the
// issue's workload).
func benchMaxTokens(b *testing.B) int {
	s := os.Getenv("AIRULES_BENCH_MAXTOKENS")
	if s == "" {
		return 8000
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("AIRULES_BENCH_MAXTOKENS: %v", err)
	}
	return n
}

// stdioRun is what one run of requests measured, for reportRoundTrips.
type stdioRun struct {
	lat, floor           []float64 // round trips of airules/context and of the floor, ms
	first                []bool    // per request: the first for its file (a miss); nil if unknown
	bytes                int64     // of every answer together
	rssMB                float64   // the server's VmRSS afterwards
	applicable, included int       // over every answer
	steal                float64   // % of the machine's CPU time stolen by its host during the requests; <0 unknown
	serverCPU            float64   // ms of CPU the server used during the requests; <0 unknown
}

// reportRoundTrips reports a run's figures, the same for every client: with first
// known, the requests the server computed (misses: a file's first) apart too.
func reportRoundTrips(b *testing.B, r stdioRun) {
	q := func(d []float64, p float64) float64 { return d[int(p*float64(len(d)-1))] }
	if len(r.first) == len(r.lat) {
		var miss []float64
		for i, f := range r.first {
			if f {
				miss = append(miss, r.lat[i])
			}
		}
		if len(miss) > 0 {
			slices.Sort(miss)
			b.ReportMetric(float64(len(miss)), "misses")
			b.ReportMetric(q(miss, 0.5), "miss-p50-ms")
			b.ReportMetric(q(miss, 0.9), "miss-p90-ms")
		}
	}
	slices.Sort(r.lat)
	slices.Sort(r.floor)
	n := float64(len(r.lat))
	b.ReportMetric(q(r.lat, 0.5), "p50-ms")
	b.ReportMetric(q(r.lat, 0.9), "p90-ms")
	b.ReportMetric(q(r.lat, 0.99), "p99-ms")
	b.ReportMetric(q(r.floor, 0.5), "floor-p50-ms")
	b.ReportMetric(q(r.floor, 0.99), "floor-p99-ms")
	b.ReportMetric(q(r.lat, 0.5)/q(r.floor, 0.5), "p50/floor")
	// The round trips over the p99 goal, of both kinds: the trivial request's are the
	// pipe's, the client's and the host's stalls in this run, which reach a p99 of 3 ms
	// on a noisy machine by themselves (README, "What is left").
	b.ReportMetric(float64(overMs(r.lat, 3)), "over-3ms")
	b.ReportMetric(float64(overMs(r.floor, 3)), "floor-over-3ms")
	b.ReportMetric(r.rssMB, "rss-MB")
	b.ReportMetric(float64(r.bytes)/n/1024, "KB/answer")
	b.ReportMetric(float64(r.applicable)/n, "applicable/file")
	b.ReportMetric(float64(r.included)/n, "included/file")
	if r.steal >= 0 {
		b.ReportMetric(r.steal, "steal-%")
	}
	if r.serverCPU >= 0 {
		// Unlike a round trip, not stretched by the host's other tenants: how much work
		// the server did, to compare two versions on a noisy machine.
		b.ReportMetric(r.serverCPU/n, "server-cpu-ms/req")
	}
}

// overMs is how many of the sorted round trips d took longer than ms.
func overMs(d []float64, ms float64) int {
	i, _ := slices.BinarySearch(d, ms)
	for i < len(d) && d[i] <= ms {
		i++
	}
	return len(d) - i
}

// processCPU is a process's user and system time in ms (/proc/PID/stat, in clock
// ticks of 10 ms); -1 where it cannot be read.
func processCPU(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return -1
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (utime + stime) * 10
}

// cpuTicks are the machine's CPU times from /proc/stat's first line, in clock ticks.
type cpuTicks struct {
	steal, total uint64
	ok           bool
}

// readCPUTicks reads them (ok false where there is no /proc/stat).
func readCPUTicks() cpuTicks {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuTicks{}
	}
	var t cpuTicks
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTicks{}
		}
		if i >= 8 { // guest and guest_nice are counted in user and nice already
			break
		}
		t.total += v
		if i == 7 {
			t.steal = v
		}
	}
	t.ok = true
	return t
}

// stealPercent is the share of the machine's CPU time between a and b that its host
// gave to others while this machine wanted it (steal): on a shared VM it is what
// stretches a round trip's tail without any process here doing more, so the figures
// of a run are read with it. -1 when unknown.
func stealPercent(a, b cpuTicks) float64 {
	if !a.ok || !b.ok || b.total <= a.total {
		return -1
	}
	return 100 * float64(b.steal-a.steal) / float64(b.total-a.total)
}

// vmRSS reads a process's resident memory in bytes from /proc (0 elsewhere).
func vmRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

type pipeRWC struct {
	io.ReadCloser
	io.WriteCloser
}

func (p pipeRWC) Close() error { _ = p.WriteCloser.Close(); return p.ReadCloser.Close() }

// BenchmarkColdStartCLI and BenchmarkWarmStartCLI time `airules rules --json` as a
// process: with an empty cache, and with the cache of a previous run and nothing changed.
func BenchmarkColdStartCLI(b *testing.B) { benchCLI(b, false) }
func BenchmarkWarmStartCLI(b *testing.B) { benchCLI(b, true) }

func benchCLI(b *testing.B, warm bool) {
	bin := builtBinary(b)
	for _, n := range rulesSizes(b) {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			sh := benchWorkspace(b, n)
			cache := b.TempDir()
			run := func() {
				cmd := exec.Command(bin, "rules", "--json", "--root", sh.Root)
				cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "XDG_CONFIG_HOME="+cache)
				var stderr strings.Builder
				cmd.Stdout, cmd.Stderr = io.Discard, &stderr
				if err := cmd.Run(); err != nil {
					b.Fatalf("airules rules: %v\n%s", err, stderr.String())
				}
			}
			if warm {
				run()
			}
			for b.Loop() {
				if !warm {
					b.StopTimer()
					os.RemoveAll(cache)
					b.StartTimer()
				}
				run()
			}
		})
	}
}
