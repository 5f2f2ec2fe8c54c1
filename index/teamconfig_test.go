package index

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
)

func TestLoadTeamConfig(t *testing.T) {
	for _, tc := range []struct {
		name          string
		user, project string
		env           string
		want          TeamConfig
		problems      []string // "line:code" of the project file
		userProblems  int
	}{
		{name: "none", want: TeamConfig{}},
		{
			name: "user level with credentials",
			user: "team:\n  url: nats://team.example:4222\n  creds: team.creds\n  tls:\n    ca: /etc/ca.pem\n",
			want: TeamConfig{URL: "nats://team.example:4222", Creds: "<user>/team.creds", TLS: TeamTLS{CA: "/etc/ca.pem"}},
		},
		{
			name:    "project overrides field by field",
			user:    "team:\n  url: nats://a:4222\n  creds: /home/me/x.creds\n",
			project: "team:\n  bucket: house-rules\n  url: nats://b:4222\n",
			want:    TeamConfig{URL: "nats://b:4222", Bucket: "house-rules", Creds: "/home/me/x.creds"},
		},
		{
			name:    "environment wins over files",
			project: "team:\n  url: nats://b:4222\n",
			env:     "nats://env:4222",
			want:    TeamConfig{URL: "nats://env:4222"},
		},
		{
			name:     "inline secrets in the project are reported and not used",
			project:  "rules: other\nteam:\n  url: nats://me:hunter2@b:4222\n  token: abc\n  creds: \"-----BEGIN NATS USER JWT-----\"\n",
			want:     TeamConfig{URL: "nats://b:4222"},
			problems: []string{"3:AIR901", "4:AIR901", "5:AIR901"},
		},
		{
			name:     "unknown keys and wrong types",
			project:  "team:\n  urls: x\n  tls: yes\n",
			want:     TeamConfig{},
			problems: []string{"2:AIR902", "3:AIR902"},
		},
		{
			name:     "not YAML",
			project:  "team: [\n",
			problems: []string{"1:AIR902"},
		},
		{
			name: "a user's token in the user file is not read either", user: "team:\n  url: nats://a\n  token: t\n",
			want: TeamConfig{URL: "nats://a"}, userProblems: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, user := t.TempDir(), t.TempDir()
			t.Setenv(TeamEnvURL, tc.env)
			if tc.user != "" {
				write(t, user, "config.yaml", tc.user)
			}
			if tc.project != "" {
				write(t, root, ".ai-rules/config.yaml", tc.project)
			}
			got, probs := LoadTeamConfig(root, "", user)
			want := tc.want
			want.Creds = strings.ReplaceAll(want.Creds, "<user>", user)
			if got != want {
				t.Fatalf("config %+v, want %+v", got, want)
			}
			var ps []string
			for _, p := range probs[filepath.Join(root, ".ai-rules", "config.yaml")] {
				ps = append(ps, itoa(p.Range.Start.Line+1)+":"+string(p.Code))
			}
			if strings.Join(ps, " ") != strings.Join(tc.problems, " ") {
				t.Fatalf("problems %v, want %v", ps, tc.problems)
			}
			if n := len(probs[filepath.Join(user, "config.yaml")]); n != tc.userProblems {
				t.Fatalf("%d user problems, want %d", n, tc.userProblems)
			}
			for _, list := range probs {
				for _, p := range list {
					if strings.Contains(p.Message, "hunter2") || strings.Contains(p.Message, "abc") {
						t.Fatalf("a secret in a message: %q", p.Message)
					}
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTeamConfigReadIsBounded(t *testing.T) {
	root := t.TempDir()
	big := "team:\n  url: nats://x\n#" + strings.Repeat("x", teamConfigMax) + "\n"
	write(t, root, ".ai-rules/config.yaml", big)
	cfg, probs := LoadTeamConfig(root, "", t.TempDir())
	p := probs[filepath.Join(root, ".ai-rules", "config.yaml")]
	if cfg.Enabled() || len(p) != 1 || p[0].Code != CodeTeamConfig || !strings.Contains(p[0].Message, "larger than") {
		t.Fatalf("oversized config: %+v %+v", cfg, p)
	}
	// A folder where the file should be is skipped with a problem, not read.
	root2 := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root2, ".ai-rules", "config.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, probs = LoadTeamConfig(root2, "", t.TempDir())
	if p := probs[filepath.Join(root2, ".ai-rules", "config.yaml")]; len(p) != 1 || p[0].Severity != rules.SeverityWarning {
		t.Fatalf("folder as config: %+v", p)
	}
}

func TestTeamConfigRedacted(t *testing.T) {
	c := TeamConfig{URL: "nats://u:secret@a:4222,nats://b:4222"}.Redacted()
	if strings.Contains(c.URL, "secret") || !strings.Contains(c.URL, "b:4222") {
		t.Fatalf("redacted %q", c.URL)
	}
}

func TestTeamConfigFIFOIsNotRead(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, ".ai-rules", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, p)
	_, probs := LoadTeamConfig(root, "", t.TempDir()) // returns: a FIFO without a writer would block a plain open
	if ps := probs[p]; len(ps) != 1 || !strings.Contains(ps[0].Message, "not a regular file") {
		t.Fatalf("FIFO config: %+v", ps)
	}
}
