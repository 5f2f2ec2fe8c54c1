package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/airules/airules/index"
)

// teamOptions are the parsed options every team command shares.
type teamOptions struct {
	root     string // the workspace
	rulesDir string
	cfg      index.TeamConfig // files, environment and flags merged
	timeout  time.Duration
	json     bool
}

// teamFlags binds the shared team flags; resolve turns them into teamOptions.
type teamFlags struct {
	root, rulesDir, url, bucket, creds string
	timeout                            time.Duration
	json                               bool
}

func (f *teamFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", "", "workspace `folder` (default: the nearest folder above with .ai-rules or .git)")
	fs.StringVar(&f.rulesDir, "rules-dir", ".ai-rules", "rules root, relative to the workspace")
	fs.StringVar(&f.url, "url", "", "team server `URL`s, comma-separated (default: team.url of config.yaml, or "+index.TeamEnvURL+")")
	fs.StringVar(&f.bucket, "bucket", "", "KV `bucket` (default: team.bucket, or "+index.DefaultTeamBucket+")")
	fs.StringVar(&f.creds, "creds", "", "NATS .creds or nkey seed `file` (default: team.creds)")
	fs.DurationVar(&f.timeout, "team-timeout", index.DefaultTeamTimeout, "how long to wait for the team server")
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

func (f *teamFlags) resolve(near string, stderr io.Writer) (teamOptions, error) {
	wf := workspaceFlags{root: f.root, rulesDir: f.rulesDir}
	root, err := wf.resolveRoot(near)
	if err != nil {
		return teamOptions{}, err
	}
	cfg := teamConfigFor(root, f.rulesDir, stderr)
	cfg = cfg.Merge(index.TeamConfig{URL: f.url, Bucket: f.bucket, Creds: f.creds})
	return teamOptions{root: root, rulesDir: f.rulesDir, cfg: cfg, timeout: f.timeout, json: f.json}, nil
}

// teamConfigFor loads the team configuration of a workspace and reports a secret
// written inline in the project's config on stderr.
func teamConfigFor(root, rulesDir string, stderr io.Writer) index.TeamConfig {
	cfg, probs := index.LoadTeamConfig(root, rulesDir, "")
	for path, ps := range probs {
		for _, p := range ps {
			fmt.Fprintf(stderr, "airules: %s:%d: %s %s\n", path, p.Range.Start.Line+1, p.Code, p.Message)
		}
	}
	return cfg
}

func cmdTeam(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, `Usage: airules team COMMAND [flags]

Team rules live in a NATS JetStream key-value bucket: keys are rule ids, values rule
files. Commands:
  init --replicas N      create the bucket (idempotent)
  publish [--dry-run] [DIR]
                         mirror DIR's .ai-rules/ tree into the bucket
  history ID             the revisions of one rule (who, when, which)
  status                 the connection, the bucket, its revision and the cache's age
`)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("team "+sub, flag.ContinueOnError)
	var tf teamFlags
	tf.add(fs)
	ctx := context.Background()
	switch sub {
	case "init":
		replicas := fs.Int("replicas", 1, "how many servers keep a copy of the bucket (1, 3 or 5 in a cluster)")
		fs.Usage = usageFor(fs, "team init [--replicas N]", `
Create the team bucket with N replicas. Running it again changes nothing, or updates the
number of replicas when it differs.`)
		if ok, code := parseFlags(fs, rest, stdout, stderr); !ok {
			return code
		}
		o, err := tf.resolve(".", stderr)
		if err != nil {
			return failTeam(stderr, "init", err, 2)
		}
		return teamInit(ctx, o, *replicas, stdout, stderr)
	case "publish":
		dry := fs.Bool("dry-run", false, "print what would change, change nothing")
		fs.Usage = usageFor(fs, "team publish [--dry-run] [--rules-dir DIR] [DIR]", `
Mirror the native rules tree of the workspace DIR (its .ai-rules/, or --rules-dir;
default: the current workspace) into the bucket: put new and changed rules, delete
those gone (delete markers: history keeps them), touch nothing unchanged. Exits 1 if
anything failed.`)
		if ok, code := parseFlags(fs, rest, stdout, stderr); !ok {
			return code
		}
		dir := "."
		if fs.NArg() > 1 {
			return failTeam(stderr, "publish", errors.New("one workspace folder at most"), 2)
		}
		if fs.NArg() == 1 {
			dir = fs.Arg(0)
			if tf.root == "" {
				tf.root = dir
			}
		}
		o, err := tf.resolve(dir, stderr)
		if err != nil {
			return failTeam(stderr, "publish", err, 2)
		}
		return teamPublish(ctx, o, *dry, stdout, stderr)
	case "history":
		fs.Usage = usageFor(fs, "team history ID", "Print the revisions the bucket keeps of one rule id: revision, operation, time, author.")
		if ok, code := parseFlags(fs, rest, stdout, stderr); !ok {
			return code
		}
		if fs.NArg() != 1 {
			return failTeam(stderr, "history", errors.New("give one rule id"), 2)
		}
		o, err := tf.resolve(".", stderr)
		if err != nil {
			return failTeam(stderr, "history", err, 2)
		}
		return teamHistory(ctx, o, fs.Arg(0), stdout, stderr)
	case "status":
		fs.Usage = usageFor(fs, "team status", "Print the team configuration, the bucket as the server sees it, and the local cache's revision and age.")
		if ok, code := parseFlags(fs, rest, stdout, stderr); !ok {
			return code
		}
		o, err := tf.resolve(".", stderr)
		if err != nil {
			return failTeam(stderr, "status", err, 2)
		}
		return teamStatus(ctx, o, stdout, stderr)
	}
	fmt.Fprintf(stderr, "airules team: unknown command %q\n", sub)
	return 2
}

func failTeam(stderr io.Writer, sub string, err error, code int) int {
	fmt.Fprintf(stderr, "airules team %s: %v\n", sub, err)
	return code
}

func teamInit(ctx context.Context, o teamOptions, replicas int, stdout, stderr io.Writer) int {
	c, err := index.DialTeam(ctx, o.cfg, o.timeout)
	if err != nil {
		return failTeam(stderr, "init", err, 1)
	}
	defer c.Close()
	msg, err := c.Init(ctx, replicas)
	if err != nil {
		return failTeam(stderr, "init", err, 1)
	}
	fmt.Fprintln(stdout, msg)
	return 0
}

func teamPublish(ctx context.Context, o teamOptions, dryRun bool, stdout, stderr io.Writer) int {
	want, err := index.NativeRules(o.root, o.rulesDir)
	if err != nil {
		return failTeam(stderr, "publish", err, 1)
	}
	c, err := index.DialTeam(ctx, o.cfg, o.timeout)
	if err != nil {
		return failTeam(stderr, "publish", err, 1)
	}
	defer c.Close()
	rep, err := c.Publish(ctx, want, dryRun, index.TeamAuthor())
	if o.json {
		writeJSON(stdout, rep)
	} else {
		verb := ""
		if dryRun {
			verb = "would "
		}
		for _, a := range rep.Actions {
			switch {
			case a.Err != "":
				fmt.Fprintf(stdout, "failed %s %s: %s\n", a.Op, a.ID, a.Err)
			case dryRun:
				fmt.Fprintf(stdout, "%s%s %s\n", verb, a.Op, a.ID)
			default:
				fmt.Fprintf(stdout, "%s %s (revision %d)\n", a.Op, a.ID, a.Revision)
			}
		}
		done := "changed"
		if dryRun {
			done = "to change"
		}
		fmt.Fprintf(stdout, "%d unchanged, %d %s in bucket %s\n", rep.Unchanged, len(rep.Actions), done, o.cfg.BucketName())
	}
	if err != nil {
		return failTeam(stderr, "publish", err, 1)
	}
	return 0
}

func teamHistory(ctx context.Context, o teamOptions, id string, stdout, stderr io.Writer) int {
	c, err := index.DialTeam(ctx, o.cfg, o.timeout)
	if err != nil {
		return failTeam(stderr, "history", err, 1)
	}
	defer c.Close()
	h, err := c.History(ctx, id)
	if err != nil {
		return failTeam(stderr, "history", err, 1)
	}
	if o.json {
		writeJSON(stdout, h)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tOP\tWHEN\tWHO\tBYTES")
	for _, r := range h {
		who := r.Author
		if who == "" {
			who = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\n", r.Revision, r.Op, r.Created.UTC().Format(time.RFC3339), who, r.Size)
	}
	tw.Flush()
	return 0
}

// teamStatusReport is team status --json.
type teamStatusReport struct {
	Config index.TeamConfig        `json:"config"`
	Server *index.TeamServerStatus `json:"server,omitempty"`
	Error  string                  `json:"error,omitempty"`
	Cache  index.TeamStatus        `json:"cache"`
}

func teamStatus(ctx context.Context, o teamOptions, stdout, stderr io.Writer) int {
	if !o.cfg.Enabled() {
		fmt.Fprintf(stdout, "team: off (set team.url in %s or %s)\n", strings.Join(index.TeamConfigFiles(o.root, o.rulesDir, ""), " or "), index.TeamEnvURL)
		return 0
	}
	rep := teamStatusReport{Config: o.cfg.Redacted()}
	// The cache: the workspace's index, opened without syncing.
	ix, err := index.Open(ctx, index.Options{Root: o.root, RulesDir: o.rulesDir, Cause: "cli", Logger: cliLogger(stderr), Team: o.cfg})
	if err == nil {
		rep.Cache = ix.TeamStatus()
		_ = ix.Close()
	}
	code := 0
	c, err := index.DialTeam(ctx, o.cfg, o.timeout)
	if err == nil {
		st, serr := c.Status(ctx)
		c.Close()
		if serr == nil {
			rep.Server = &st
		}
		err = serr
	}
	if err != nil {
		rep.Error = err.Error()
		code = 1
	}
	if o.json {
		writeJSON(stdout, rep)
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "url\t%s\nbucket\t%s\n", rep.Config.URL, o.cfg.BucketName())
	if rep.Server != nil {
		fmt.Fprintf(tw, "connection\tconnected to %s\nrevision\t%d\nreplicas\t%d\nhistory\t%d per key\n",
			rep.Server.Server, rep.Server.Revision, rep.Server.Replicas, rep.Server.History)
	} else {
		fmt.Fprintf(tw, "connection\t%s\n", rep.Error)
	}
	cache := "empty"
	if !rep.Cache.Synced.IsZero() {
		cache = fmt.Sprintf("revision %d, %d rules, synced %s ago", rep.Cache.Revision, rep.Cache.Rules,
			rep.Cache.Age(time.Now()).Round(time.Second))
	}
	fmt.Fprintf(tw, "cache\t%s\n", cache)
	tw.Flush()
	return code
}

// withTeam adds the team source of the workspace's configuration to the options of a
// one-shot command; the problems of the config files (an inline secret) become the
// index's, so lint reports them like a rule file's.
func withTeam(opt index.Options) index.Options {
	opt.Team, opt.TeamProblems = index.LoadTeamConfig(opt.Root, opt.RulesDir, "")
	return opt
}

// syncTeam brings the team layer up to date before a one-shot command answers, when
// the server answers within timeout; otherwise the command answers from the cache and
// says so on stderr.
func syncTeam(ix *index.Index, timeout time.Duration, stderr io.Writer) {
	if ix.TeamStatus().State == index.TeamOff {
		return
	}
	if timeout <= 0 {
		timeout = index.DefaultTeamTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := ix.SyncTeam(ctx); err != nil {
		fmt.Fprintf(stderr, "airules: %s; answering from the cache\n", ix.TeamStatus().Line(time.Now()))
	}
}

// teamLine is the team source's one-line state for airules rules, "" without one.
func teamLine(ix *index.Index) string {
	if st := ix.TeamStatus(); st.State != index.TeamOff {
		return st.Line(time.Now())
	}
	return ""
}
