package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/airules/airules/index"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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

func (f *teamFlags) add(fs *pflag.FlagSet) {
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

// newTeamCmd is `airules team` and its subcommands.
func newTeamCmd(a *app) *cobra.Command {
	team := &cobra.Command{
		Use:   "team COMMAND [flags]",
		Short: "team rules on NATS JetStream: init, publish, history, status",
		Long: `Team rules live in a NATS JetStream key-value bucket: keys are rule ids, values rule
files. They form the team layer of every workspace configured for the bucket (team: in
config.yaml, AIRULES_TEAM_URL, or the language server's team option).`,
		Example: `  airules team init --replicas 3 --url nats://nats1:4222
  airules team publish --dry-run
  airules team history 00-global/security
  airules team status --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_ = c.Usage()
			a.code = 2
			return nil
		},
	}
	sub := func(use, short, long, example string, args cobra.PositionalArgs, flags func(*pflag.FlagSet), run func(tf *teamFlags, args []string) int) *cobra.Command {
		var tf teamFlags
		c := &cobra.Command{Use: use, Short: short, Long: long, Example: example, Args: args,
			RunE: func(_ *cobra.Command, args []string) error {
				a.code = run(&tf, args)
				return nil
			}}
		tf.add(c.Flags())
		if flags != nil {
			flags(c.Flags())
		}
		completeRulesDir(c)
		return c
	}
	ctx := context.Background()
	var replicas int
	var dryRun bool
	team.AddCommand(
		sub("init [--replicas N]", "create the team bucket (idempotent)", `Create the team bucket with N replicas. Running it again changes nothing, or updates the
number of replicas when it differs.`, "  airules team init --replicas 3", cobra.NoArgs,
			func(f *pflag.FlagSet) {
				f.IntVar(&replicas, "replicas", 1, "how many servers keep a copy of the bucket (1, 3 or 5 in a cluster)")
			},
			func(tf *teamFlags, _ []string) int {
				o, err := tf.resolve(".", a.stderr)
				if err != nil {
					return failTeam(a.stderr, "init", err, 2)
				}
				return teamInit(ctx, o, replicas, a.stdout, a.stderr)
			}),
		sub("publish [--dry-run] [DIR]", "mirror a workspace's native rules into the bucket", `Mirror the native rules tree of the workspace DIR (its .ai-rules/, or --rules-dir;
default: the current workspace) into the bucket: put new and changed rules, delete
those gone (delete markers: history keeps them), touch nothing unchanged. Exits 1 if
anything failed.`, "  airules team publish --dry-run\n  airules team publish ~/src/house-rules", cobra.MaximumNArgs(1),
			func(f *pflag.FlagSet) {
				f.BoolVar(&dryRun, "dry-run", false, "print what would change, change nothing")
			},
			func(tf *teamFlags, args []string) int {
				dir := "."
				if len(args) == 1 {
					dir = args[0]
					if tf.root == "" {
						tf.root = dir
					}
				}
				o, err := tf.resolve(dir, a.stderr)
				if err != nil {
					return failTeam(a.stderr, "publish", err, 2)
				}
				return teamPublish(ctx, o, dryRun, a.stdout, a.stderr)
			}),
		sub("history ID", "the revisions of one rule (who, when, which)", "Print the revisions the bucket keeps of one rule id: revision, operation, time, author.",
			"  airules team history 00-global/security", cobra.ExactArgs(1), nil,
			func(tf *teamFlags, args []string) int {
				o, err := tf.resolve(".", a.stderr)
				if err != nil {
					return failTeam(a.stderr, "history", err, 2)
				}
				return teamHistory(ctx, o, args[0], a.stdout, a.stderr)
			}),
		sub("status", "the connection, the bucket, its revision and the cache's age", "Print the team configuration, the bucket as the server sees it, and the local cache's revision and age.",
			"  airules team status --json", cobra.NoArgs, nil,
			func(tf *teamFlags, _ []string) int {
				o, err := tf.resolve(".", a.stderr)
				if err != nil {
					return failTeam(a.stderr, "status", err, 2)
				}
				return teamStatus(ctx, o, a.stdout, a.stderr)
			}),
	)
	return team
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
